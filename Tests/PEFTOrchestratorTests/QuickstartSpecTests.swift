import Foundation
import XCTest
@testable import PEFTOrchestrator

final class QuickstartSpecTests: XCTestCase {
    /// experiments/*.yaml are the quickstart's specs for its default directory: they must not drift apart.
    func testRepositorySpecsAreTheQuickstartSpecs() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        for (file, yaml) in QuickstartPipeline.specs(backbone: "peftlab:tiny") {
            let text = try String(contentsOf: root.appendingPathComponent("experiments/\(file)"), encoding: .utf8)
            XCTAssertEqual(text, yaml + "\n", "experiments/\(file) differs from QuickstartPipeline.specs")
            XCTAssertNoThrow(try ExperimentSpec.parse(yaml: yaml, file: file))
        }
    }
}

import Foundation
@testable import PEFTOrchestrator
import XCTest

/// A quickstart killed while it wrote the generated backbone restarts: "already there" means complete.
final class QuickstartBackboneTests: XCTestCase {
    func testHalfWrittenBackboneIsRegeneratedNotTakenAsThere() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("qs-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let pipeline = QuickstartPipeline(directory: dir, threads: 1)
        let backbone = pipeline.backboneDirectory
        // What a kill -9 while writing left before writes were atomic: weights, but no vocab.json, merges.txt, ….
        try FileManager.default.createDirectory(at: backbone, withIntermediateDirectories: true)
        try Data("{}".utf8).write(to: backbone.appendingPathComponent("config.json"))
        try Data(repeating: 7, count: 4096).write(to: backbone.appendingPathComponent("model.safetensors"))
        XCTAssertFalse(QuickstartPipeline.isCompleteBackbone(backbone))

        let first = try pipeline.prepareBackbone()
        XCTAssertTrue(first.contains("replacing an incomplete one"), first)
        XCTAssertTrue(QuickstartPipeline.isCompleteBackbone(backbone), "complete and loadable after regeneration")
        XCTAssertTrue(try pipeline.prepareBackbone().contains("already there"))

        // Every file present but the weights truncated: not "there" either.
        let weights = backbone.appendingPathComponent("model.safetensors")
        try Data(try Data(contentsOf: weights).prefix(100)).write(to: weights)
        XCTAssertFalse(QuickstartPipeline.isCompleteBackbone(backbone))
        XCTAssertTrue(try pipeline.prepareBackbone().contains("generated"))
        XCTAssertTrue(QuickstartPipeline.isCompleteBackbone(backbone))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), ["backbone"], "no staging left")
    }
}

import Foundation
import PEFTTestSupport
import XCTest

/// `peftlab methods`: the built binary lists every registered method and shows one with an example spec that queues.
final class MethodsCommandTests: XCTestCase {
    static let methods = ["linear-probe", "full", "bitfit", "lora", "ia3", "houlsby", "pfeiffer", "clip-adapter", "coop", "vpt",
                          "maple", "prefix", "ads-clip"]

    func testListsEveryMethodWithItsCountAndDefaults() throws {
        let result = try CLIRunner.run(["methods"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let lines = result.stdout.split(separator: "\n")
        for name in Self.methods {
            XCTAssertTrue(lines.contains { $0.hasPrefix(name + " ") }, "no line for \(name) in:\n\(result.stdout)")
        }
        XCTAssertTrue(result.stdout.contains("92,160"), "ia3's count at ViT-B/32")
        XCTAssertTrue(result.stdout.contains("r=8, alpha=8.0, dropout=0.0, targets=[q, v], layers=all, towers=both"), result.stdout)
    }

    func testShowsOneMethodWithAnExampleSpecThatQueues() throws {
        let result = try CLIRunner.run(["methods", "vpt"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.contains("one of shallow, deep"), result.stdout)
        XCTAssertTrue(result.stdout.contains("73,728"), result.stdout)
        let example = try XCTUnwrap(result.stdout.components(separatedBy: "Example spec (peftlab queue FILE):\n\n").last)
        XCTAssertTrue(example.contains("method: {name: vpt, depth: deep, n_prompts: 8, layers: all, towers: vision}"), example)

        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("methods-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let db = TestDatabase.locator(dir.appendingPathComponent("p.db").path)
        XCTAssertEqual(try CLIRunner.run(["init", "--db", db]).status, 0)
        for name in Self.methods {
            let shown = try CLIRunner.run(["methods", name])
            let spec = try XCTUnwrap(shown.stdout.components(separatedBy: "Example spec (peftlab queue FILE):\n\n").last)
            let file = dir.appendingPathComponent("\(name).yaml")
            try spec.write(to: file, atomically: true, encoding: .utf8)
            let queued = try CLIRunner.run(["queue", "--db", db, "--dry-run", file.path])
            XCTAssertEqual(queued.status, 0, "\(name): \(queued.stderr)\n\(spec)")
        }
    }

    func testAnUnknownMethodNamesTheKnownOnes() throws {
        let result = try CLIRunner.run(["methods", "lorax"])
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.stderr.contains("unknown method 'lorax'") && result.stderr.contains("maple"), result.stderr)
    }
}

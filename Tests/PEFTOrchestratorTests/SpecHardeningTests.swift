import Foundation
import XCTest
@testable import PEFTOrchestrator

/// Specs from a hostile afternoon: relative bases, alias bombs, files that are not specs, enormous grids.
final class SpecHardeningTests: XCTestCase {
    private let minimal = "dataset: d\ntask: classification\nmethod: linear-probe\n"

    private func temporaryDirectory() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("spec-hard-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("sub"), withIntermediateDirectories: true)
        return dir
    }

    /// `base: ../common.yaml` in sub/child.yaml is dir/common.yaml whether the working directory is dir or dir/sub;
    /// the old resolution dropped the `..` (picking dir/sub/common.yaml) or produced '/common.yaml'.
    func testRelativeBaseIsRelativeToTheFileThatNamesIt() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try (minimal + "train: {epochs: 7}\n").write(to: dir.appendingPathComponent("common.yaml"), atomically: true, encoding: .utf8)
        try (minimal + "train: {epochs: 1}\n").write(to: dir.appendingPathComponent("sub/common.yaml"), atomically: true,
                                                     encoding: .utf8)
        try "name: child\nbase: ../common.yaml\n".write(to: dir.appendingPathComponent("sub/child.yaml"), atomically: true,
                                                        encoding: .utf8)
        let saved = FileManager.default.currentDirectoryPath
        defer { FileManager.default.changeCurrentDirectoryPath(saved) }
        for (cwd, file) in [(dir.path, "sub/child.yaml"), (dir.appendingPathComponent("sub").path, "child.yaml"),
                            ("/", dir.appendingPathComponent("sub/child.yaml").path)] {
            XCTAssertTrue(FileManager.default.changeCurrentDirectoryPath(cwd))
            let spec = try ExperimentSpec.load(path: file)
            XCTAssertEqual(spec.base[path: "train.epochs"], .int(7), "from \(cwd) loading \(file)")
        }
    }

    func testAliasBombsAndDeepNestingAreRefusedWithTheirLine() throws {
        var lines = ["  a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
        for i in 1...8 { lines.append("  a\(i): &a\(i) [" + Array(repeating: "*a\(i - 1)", count: 10).joined(separator: ", ") + "]") }
        let bomb = "name: b\n\(minimal)description:\n" + lines.joined(separator: "\n") + "\n"
        let keyBomb = bomb + "? *a8\n: 1\n"
        let deep = "name: d\n\(minimal)description: " + String(repeating: "[", count: 100) + String(repeating: "]", count: 100) + "\n"
        let deeper = "name: d\n\(minimal)description: " + String(repeating: "[", count: 100_000) + "\n"
        for (yaml, line, text) in [(bomb, 10, "alias '*a3'"), (keyBomb, 10, "alias '*a3'"), (deep, 5, "nest more than 64"),
                                   (deeper, 5, "invalid YAML")] {
            let start = Date()
            XCTAssertThrowsError(try ExperimentSpec.parse(yaml: yaml, file: "bomb.yaml")) { error in
                let errors = (error as? SpecErrors)?.errors ?? []
                XCTAssertEqual(errors.count, 1, "\(error)")
                XCTAssertEqual(errors.first?.line, line, "\(error)")
                XCTAssertTrue("\(error)".contains(text), "\(error)")
            }
            XCTAssertLessThan(Date().timeIntervalSince(start), 2)
        }
        // Ordinary aliases still work.
        let reuse = "name: r\n\(minimal)train: &t {epochs: 2}\ndescription: {copy: *t}\n"
        XCTAssertEqual(try ExperimentSpec.parse(yaml: reuse, file: "r.yaml").base[path: "train.epochs"], .int(2))
    }

    /// A base (or spec) that is not a spec — `base: /etc/shadow` — is reported without any of its text.
    func testFilesThatAreNotSpecsAreNeverQuoted() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let secret = "root:$6$saltsalt$SECRETHASH:19000:0:99999:7:::\nbob:$6$x$OTHERSECRET:19000:0:99999:7:::\n"
        let shadow = dir.appendingPathComponent("shadow")
        try secret.write(to: shadow, atomically: true, encoding: .utf8)
        try "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n".write(to: dir.appendingPathComponent("passwd"),
                                                                               atomically: true, encoding: .utf8)
        for base in [shadow.path, "passwd"] {
            let child = dir.appendingPathComponent("child.yaml")
            try "name: c\nbase: \(base)\n\(minimal)".write(to: child, atomically: true, encoding: .utf8)
            XCTAssertThrowsError(try ExperimentSpec.load(path: child.path)) { error in
                XCTAssertTrue("\(error)".contains("is not a PEFTLab experiment spec"), "\(error)")
                XCTAssertFalse("\(error)".contains("SECRET") || "\(error)".contains("nologin"), "\(error)")
            }
        }
        XCTAssertThrowsError(try ExperimentSpec.load(path: shadow.path)) { error in
            XCTAssertFalse("\(error)".contains("SECRET") || "\(error)".contains("$6$"), "\(error)")
            XCTAssertTrue("\(error)".contains("shadow:1:"), "the line is still named: \(error)")
        }
        // A typo in a real spec is still quoted, so it can be found.
        XCTAssertThrowsError(try ExperimentSpec.parse(yaml: "name: t\n\(minimal)learning_rate: 3\n", file: "t.yaml")) { error in
            XCTAssertTrue("\(error)".contains("key 'learning_rate': unknown key"), "\(error)")
        }
    }

    /// A 9-axis × 10-value grid (10⁹ points) is refused by counting, before anything is expanded.
    func testGridSizeIsCountedNotExpanded() throws {
        let reals = ["lr", "weight_decay", "momentum", "grad_clip"].map { name -> String in
            let values: [String] = (1...10).map { "0.\($0)1" }
            return "  train.\(name): [" + values.joined(separator: ", ") + "]"
        }
        let integers = ["epochs", "batch_size", "warmup_steps", "checkpoint_every", "keep_last"].map { name -> String in
            let values: [String] = (1...10).map { String($0) }
            return "  train.\(name): [" + values.joined(separator: ", ") + "]"
        }
        let axes: [String] = reals + integers
        let spec = try ExperimentSpec.parse(yaml: "name: g\n\(minimal)grid:\n" + axes.joined(separator: "\n") + "\nseeds: [1, 2]\n",
                                            file: "g.yaml")
        XCTAssertEqual(spec.runCountBound, 2_000_000_000)
        let start = Date()
        XCTAssertThrowsError(try spec.checkSize(maxRuns: ExperimentSpec.defaultMaxRuns)) { error in
            let message = "\(error)"
            XCTAssertEqual(message.split(separator: "\n").count, 1)
            XCTAssertTrue(message.hasPrefix("g.yaml:5: key 'grid': train.lr (10) × train.weight_decay (10)"), message)
            XCTAssertTrue(message.contains("2 seeds make up to 2000000000 runs, more than the limit of 100000"), message)
            XCTAssertTrue(message.contains("--max-runs"), message)
        }
        XCTAssertLessThan(Date().timeIntervalSince(start), 1)
        // Streaming gives the same runs, in the same order, as expanding.
        let small = try ExperimentSpec.parse(yaml: "name: s\n\(minimal)grid:\n  train.lr: [0.1, 0.2]\n  train.epochs: [1, 2, 3]\n"
                                                + "exclude: [{train.lr: 0.2, train.epochs: 3}]\ninclude: [{train.lr: 0.5}]\nseeds: [4, 5]\n",
                                             file: "s.yaml")
        var streamed: [RunPlan] = []
        small.forEachPlan { streamed.append($0) }
        XCTAssertEqual(streamed.map(\.configHash), small.expand().map(\.configHash))
        XCTAssertEqual(streamed.count, (2 * 3 - 1 + 1) * 2)
        XCTAssertEqual(streamed.first?.grid, ["train.lr": .double(0.1), "train.epochs": .int(1)])
        XCTAssertNoThrow(try small.checkSize(maxRuns: 14))
        XCTAssertThrowsError(try small.checkSize(maxRuns: 13), "the bound counts before exclusions: (6 + 1) × 2")
    }
}

import Foundation
import XCTest
@testable import PEFTOrchestrator

final class SpecTests: XCTestCase {
    private let valid = """
        name: probe-grid
        dataset: synth
        task: classification
        method:
          name: linear-probe
          feature: audio
        train:
          epochs: 2
          lr: 1e-2
        grid:
          train.lr: [1e-2, 1e-3]
          train.batch_size: [8, 16, 32]
        seeds: [1, 2]
        include:
          - {train.lr: 0.1, train.batch_size: 4}
        exclude:
          - {train.lr: 1e-3, train.batch_size: 32}
        """

    func testExpansionIsProductMinusExcludePlusIncludeTimesSeeds() throws {
        let spec = try ExperimentSpec.parse(yaml: valid, file: "probe.yaml")
        let plans = spec.expand()
        XCTAssertEqual(plans.count, (2 * 3 - 1 + 1) * 2)
        XCTAssertEqual(Set(plans.map(\.configHash)).count, plans.count)
        let first = plans[0]
        XCTAssertEqual(first.grid, ["train.lr": .double(1e-2), "train.batch_size": .int(8)])
        XCTAssertEqual(first.config[path: "method.feature"], .string("audio"))
        XCTAssertEqual(first.config[path: "method.standardize"], .bool(true), "defaults are filled in")
        XCTAssertEqual(first.config[path: "train.schedule"], .string("cosine"))
        XCTAssertEqual(first.config[path: "target_metric"], .string("accuracy"))
        XCTAssertEqual(first.config[path: "experiment"], .string("probe-grid"))
        XCTAssertEqual(first.seed, 1)
        XCTAssertFalse(plans.contains { $0.grid == ["train.lr": .double(1e-3), "train.batch_size": .int(32)] })
        XCTAssertTrue(plans.contains { $0.grid == ["train.lr": .double(0.1), "train.batch_size": .int(4)] })
        // Canonical JSON has sorted keys at every level and does not depend on YAML key order.
        XCTAssertTrue(first.configJSON.hasPrefix("{\"backbone\"") == false && first.configJSON.hasPrefix("{\"dataset\""),
                      first.configJSON)
        let reordered = try ExperimentSpec.parse(yaml: valid.replacingOccurrences(of: "  epochs: 2\n  lr: 1e-2",
                                                                                  with: "  lr: 0.01\n  epochs: 2"),
                                                 file: "probe.yaml")
        XCTAssertEqual(reordered.expand().map(\.configHash), plans.map(\.configHash))
    }

    func testBaseSpecIsInheritedAndOverridden() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("spec-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try """
            name: common
            dataset: synth
            task: classification
            method: {name: linear-probe, feature: audio}
            train: {epochs: 7, lr: 0.5}
            seeds: [1, 2, 3]
            """.write(to: dir.appendingPathComponent("common.yaml"), atomically: true, encoding: .utf8)
        let child = dir.appendingPathComponent("child.yaml")
        try "name: child\nbase: common.yaml\ntrain: {lr: 0.25}\n".write(to: child, atomically: true, encoding: .utf8)
        let spec = try ExperimentSpec.load(path: child.path)
        XCTAssertEqual(spec.base[path: "train.epochs"], .int(7))
        XCTAssertEqual(spec.base[path: "train.lr"], .double(0.25))
        XCTAssertEqual(spec.base[path: "method.feature"], .string("audio"))
        XCTAssertEqual(spec.seeds, [0], "seeds are not inherited")
    }

    /// Each invalid input gives an error naming file, line and key — and the whole spec is rejected.
    func testInvalidSpecsNameFileLineAndKey() {
        let cases: [(yaml: String, line: Int?, key: String?, contains: String)] = [
            ("name: x\ndataset: d\ntask: classification\nmethod: {name: lorax}\n", 4, "method.name", "unknown method 'lorax'"),
            ("name: x\ndataset: d\ntask: classification\nmethod: {name: lora, targets: [q, qq]}\n", 4, "method.targets", "expected each of q, k, v, o, fc1, fc2"),
            ("name: x\ndataset: d\ntask: classification\nmethod: {name: lora, layers: 0-3}\n", 4, "method.layers", "layers count from 1"),
            ("name: x\ndataset: d\ntask: classification\nmethod: linear-probe\ntrain:\n  epochs: 9223372036854775807\n", 6, "train.epochs", "must be ≤"),
            ("name: x\ndataset: d\ntask: classification\nmethod: linear-probe\ntrain:\n  batch_size: 9223372036854775807\n", 6, "train.batch_size", "must be ≤"),
            ("name: x\ndataset: d\ntask: classification\nmethod: linear-probe\nhead: {fusion: blend}\n", 5, "head.fusion", "expected one of"),
            ("name: x\ndataset: d\ntask: classification\nmethod: linear-probe\ntrain:\n  epochs: three\n", 6, "train.epochs", "expected an integer"),
            ("name: x\ndataset: d\ntask: classification\nmethod: linear-probe\ntrain:\n  lr: -1\n", 6, "train.lr", "must be >"),
            ("name: x\ndataset: d\ntask: classification\nmethod: linear-probe\ntrain:\n  schedule: steep\n", 6, "train.schedule", "expected one of"),
            ("name: x\ndataset: d\ntask: classification\nmethod: linear-probe\nlearning_rate: 3\n", 5, "learning_rate", "unknown key"),
            ("name: x\ndataset: d\ntask: classification\nmethod: linear-probe\ntrain:\n  lrr: 3\n", 6, "train.lrr", "unknown setting"),
            ("name: x\ntask: classification\nmethod: linear-probe\n", 1, "dataset", "missing"),
            ("dataset: d\ntask: classification\nmethod: linear-probe\n", 1, "name", "missing"),
            ("name: x\ndataset: d\ntask: sorting\nmethod: linear-probe\n", 3, "task", "expected one of"),
            ("name: x\ndataset: d\ntask: retrieval\nmethod: linear-probe\n", 4, "method.name", "does not support task"),
            ("name: x\ndataset: d\ntask: classification\nmethod: linear-probe\ngrid:\n  train.lr: 0.1\n", 6, "grid.train.lr", "non-empty list"),
            ("name: x\ndataset: d\ntask: classification\nmethod: linear-probe\ngrid:\n  train.speed: [1]\n", 6, "grid.train.speed", "not a setting"),
            ("name: x\ndataset: d\ntask: classification\nmethod: linear-probe\ngrid:\n  train.epochs: [1, 0]\n", 6, "grid.train.epochs", "must be ≥ 1"),
            ("name: x\ndataset: d\ntask: classification\nmethod: linear-probe\nseeds: [1, 1]\n", 5, "seeds", "listed twice"),
            ("name: x\ndataset: d\ntask: classification\nmethod: linear-probe\nseeds: [a]\n", 5, "seeds", "non-negative integer"),
            ("name: x\ndataset: d\ntask: classification\nmethod: linear-probe\nexclude:\n  - {train.lr: 0.1}\n", 6, "exclude.train.lr", "grid axes"),
            ("name: x\ndataset: d\ntask: classification\nmethod: linear-probe\ndataset: e\n", 5, "dataset", "duplicate key"),
            ("name: x\ndataset: [d\n", 3, nil, "invalid YAML"),
            ("name: x\ndataset: d\ntask: classification\nmethod: linear-probe\nbase: missing.yaml\n", 5, "base", "cannot read base spec"),
            ("name: 'a b'\ndataset: d\ntask: classification\nmethod: linear-probe\n", 1, "name", "letters, digits"),
            ("name: x\ndataset: d\ntask: classification\nmethod: linear-probe\ntrain: {lr: .inf}\n", 5, "train.lr", "finite number"),
            ("name: x\ndataset: d\ntask: regression\nmethod: linear-probe\ntarget_metric: accuracy\n", 5, "target_metric", "not a regression metric"),
        ]
        for (i, c) in cases.enumerated() {
            XCTAssertThrowsError(try ExperimentSpec.parse(yaml: c.yaml, file: "bad\(i).yaml"), "case \(i)") { error in
                guard let errors = error as? SpecErrors, let first = errors.errors.first else {
                    return XCTFail("case \(i): \(error)")
                }
                XCTAssertEqual(first.file.hasSuffix("bad\(i).yaml"), true, "case \(i): \(first)")
                XCTAssertEqual(first.line, c.line, "case \(i): \(first)")
                XCTAssertEqual(first.key, c.key, "case \(i): \(first)")
                XCTAssertTrue(first.description.contains(c.contains), "case \(i): \(first)")
            }
        }
    }

    func testAllProblemsAreReportedAtOnce() {
        let yaml = "name: x\ndataset: d\ntask: classification\nmethod: linear-probe\ntrain:\n  epochs: 0\n  lr: zero\n"
        XCTAssertThrowsError(try ExperimentSpec.parse(yaml: yaml, file: "two.yaml")) { error in
            XCTAssertEqual((error as? SpecErrors)?.errors.map(\.description),
                           ["two.yaml:6: key 'train.epochs': must be ≥ 1 (got 0)",
                            "two.yaml:7: key 'train.lr': expected a finite number, got 'zero'"])
        }
    }
}

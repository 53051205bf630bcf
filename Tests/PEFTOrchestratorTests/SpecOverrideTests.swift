import Foundation
import XCTest
@testable import PEFTOrchestrator
import PEFTMethods

/// `peftlab queue --set KEY=VALUE`: overrides laid over a parsed spec before validation.
final class SpecOverrideTests: XCTestCase {
    private let spec = """
        name: ads
        dataset: sarcasm
        backbone: peftlab-quickstart/backbone
        task: classification
        method: {name: ads-clip, bottleneck: 16}
        train: {epochs: 10, lr: 3e-3}
        grid:
          method.sharing: [none, text_to_visual]
          train.lr: [1e-3, 3e-3]
        seeds: [1, 2, 3]
        include:
          - {method.name: linear-probe, train.lr: 3e-2, train.epochs: 20}
        """

    private func parse(_ overrides: [String], yaml: String? = nil) throws -> ExperimentSpec {
        try ExperimentSpec.parse(yaml: yaml ?? spec, file: "ads.yaml", overrides: overrides.map { try SpecOverride.parse($0) })
    }

    private func errors(_ overrides: [String], yaml: String? = nil) -> [String] {
        do {
            _ = try parse(overrides, yaml: yaml)
            return []
        } catch let error as SpecErrors {
            return error.errors.map(\.description)
        } catch {
            return ["\(error)"]
        }
    }

    func testTheIssueExamplePointsAGridAtOtherData() throws {
        let plans = try parse(["dataset=mmsd2", "backbone=/models/clip-b32", "train.epochs=1", "seeds=[1]"]).expand()
        XCTAssertEqual(plans.count, 2 * 2 + 1, "one seed")
        for plan in plans {
            XCTAssertEqual(plan.config[path: "dataset"], .string("mmsd2"))
            XCTAssertEqual(plan.config[path: "backbone"], .string("/models/clip-b32"))
            XCTAssertEqual(plan.config[path: "train.epochs"], .int(1), "include entries get the override too")
            XCTAssertEqual(plan.seed, 1)
        }
        XCTAssertEqual(plans[0].config[path: "method.bottleneck"], .int(16), "the rest of the spec is kept")
        XCTAssertEqual(plans.last?.config[path: "train.lr"], .double(3e-2))
        let original = try parse([]).expand()
        XCTAssertEqual(original.count, 15)
        XCTAssertEqual(original[0].config[path: "train.epochs"], .int(10))
    }

    func testGridAxesAndSections() throws {
        let fixed = try parse(["train.lr=1e-2"]).expand()
        XCTAssertTrue(fixed.allSatisfy { $0.config[path: "train.lr"] == .double(1e-2) }, "a swept key is fixed to the value")
        XCTAssertEqual(fixed.count, 2 * 3 + 3)
        let swept = try parse(["train.lr=[1e-4, 1e-3, 1e-2]"]).expand()
        XCTAssertEqual(swept.count, (2 * 3 + 1) * 3, "a list for a swept key is its new values")
        let axis = try parse(["grid.method.queue_length=[1, 2]"]).expand()
        XCTAssertEqual(axis.count, (2 * 2 * 2 + 1) * 3, "grid.<axis> adds or replaces an axis")
        let method = try parse(["method.sharing=bidirectional", "method.layers=all", "head.fusion=concat"])
        XCTAssertEqual(method.base[path: "method.layers"], .string("all"))
        XCTAssertEqual(method.expand().filter { $0.method == "ads-clip" }.map { $0.config[path: "method.sharing"] }.first, .string("bidirectional"))
        XCTAssertEqual(method.base[path: "head.fusion"], .string("concat"))
        let short = try parse(["method.bottleneck=8"], yaml: "name: x\ndataset: d\ntask: classification\nmethod: ads-clip\n")
        XCTAssertEqual(short.base[path: "method.bottleneck"], .int(8), "`method: NAME` becomes a mapping")
        XCTAssertTrue(short.yaml.hasSuffix("method: ads-clip\n# --set method.bottleneck=8\n"), "the stored YAML records the overrides")
    }

    func testHomeDirectoryInBackbone() throws {
        let spec = try parse(["backbone=~/clip-b32"])
        XCTAssertEqual(spec.base[path: "backbone"], .string(NSHomeDirectory() + "/clip-b32"))
    }

    func testErrorsNameTheOverride() {
        // The value lands in the base and in the include entry (or grid axis) setting the key: each place is reported.
        XCTAssertEqual(errors(["train.epochs=0"]), ["ads.yaml --set train.epochs=0: key 'train.epochs': must be ≥ 1 (got 0)",
                                                    "ads.yaml --set train.epochs=0: key 'include.train.epochs': must be ≥ 1 (got 0)"])
        let choices = "expected one of none, text_to_visual, visual_to_text, bidirectional, got 'sideways'"
        XCTAssertEqual(errors(["method.sharing=sideways"]), ["ads.yaml --set method.sharing=sideways: key 'method.sharing': \(choices)",
                                                             "ads.yaml --set method.sharing=sideways: key 'grid.method.sharing': \(choices)"])
        XCTAssertEqual(errors(["seeds=[1, 1]"]), ["ads.yaml --set seeds=[1, 1]: key 'seeds': seed 1 is listed twice"])
        XCTAssertEqual(errors(["method.rank=4"]).count, 1)
        XCTAssertTrue(errors(["method.rank=4"])[0].hasPrefix("ads.yaml --set method.rank=4: key 'method.rank': unknown setting"), errors(["method.rank=4"])[0])
        XCTAssertTrue(errors(["datset=mmsd2"])[0].hasPrefix("ads.yaml --set datset=mmsd2: key 'datset': unknown key; expected one of name,"))
        XCTAssertTrue(errors(["dataset.name=x"])[0].contains("'dataset' has no settings"))
        XCTAssertTrue(errors(["base=other.yaml"])[0].contains("`base:` cannot be overridden"))
        XCTAssertTrue(errors(["train.lr=[1, 2"])[0].hasPrefix("ads.yaml --set train.lr=[1, 2: key 'train.lr': invalid YAML"), errors(["train.lr=[1, 2"])[0])
        let both = errors(["train.epochs=0", "train.lr=-1"])
        XCTAssertTrue(both.contains { $0.hasPrefix("ads.yaml --set train.epochs=0: key 'train.epochs'") }, "every problem at once: \(both)")
        XCTAssertTrue(both.contains { $0.hasPrefix("ads.yaml --set train.lr=-1: key 'grid.train.lr'") }, "every problem at once: \(both)")
        for bad in ["epochs", "=3", "train.epochs="] {
            XCTAssertThrowsError(try SpecOverride.parse(bad), bad) { error in
                XCTAssertTrue("\(error)".hasPrefix("--set \(bad): expected KEY=VALUE"), "\(error)")
            }
        }
        XCTAssertEqual(try SpecOverride.parse("name=a=b"), SpecOverride(key: "name", value: "a=b"))
    }
}

import Foundation
import PEFTMethods
import XCTest
@testable import PEFTOrchestrator

/// Grid axes and include entries that set `method.name`: each point trains that method with its own settings.
final class MethodSwitchSpecTests: XCTestCase {
    private func spec(_ body: String) throws -> ExperimentSpec {
        try ExperimentSpec.parse(yaml: "name: zoo\ndataset: d\ntask: classification\n" + body, file: "zoo.yaml")
    }

    private func problems(_ body: String) -> [SpecError] {
        do {
            _ = try ExperimentSpec.parse(yaml: "name: zoo\ndataset: d\ntask: classification\n" + body, file: "zoo.yaml")
            return []
        } catch {
            return error.errors
        }
    }

    func testIncludeEntriesTrainOtherMethodsWithTheirOwnDefaults() throws {
        let plans = try spec("""
            method: {name: lora, r: 4, layers: upper}
            include:
              - {method.name: ia3}
              - {method.name: vpt, method.depth: shallow, train.lr: 0.01}
              - {method.name: linear-probe}
            """).expand()
        XCTAssertEqual(plans.map(\.method), ["lora", "ia3", "vpt", "linear-probe"])
        let ia3 = plans[1].config[path: "method"]
        XCTAssertEqual(ia3, .map(["name": .string("ia3"), "targets": .list([.string("k"), .string("v"), .string("fc2")]),
                                  "layers": .string("upper"), "towers": .string("both")]),
                       "ia3's own targets default, the base's explicit layers, nothing of lora's r")
        XCTAssertEqual(plans[2].config[path: "method.depth"], .string("shallow"))
        XCTAssertEqual(plans[2].config[path: "method.towers"], .string("vision"))
        XCTAssertEqual(plans[2].config[path: "train.lr"], .double(0.01))
        XCTAssertEqual(plans[3].config[path: "method"], .map(["name": .string("linear-probe"), "feature": .string("clip"),
                                                              "standardize": .bool(true)]))
        XCTAssertEqual(plans[1].grid, ["method.name": .string("ia3")])
    }

    func testAGridOverMethodNamesChecksEverySettingAgainstEachMethod() throws {
        let plans = try spec("""
            method: {name: houlsby}
            grid:
              method.name: [houlsby, pfeiffer]
              method.reduction: [8, 16]
            """).expand()
        XCTAssertEqual(plans.count, 4)
        XCTAssertEqual(Set(plans.map(\.method)), ["houlsby", "pfeiffer"])
        let bad = problems("""
            method: {name: houlsby}
            grid:
              method.name: [houlsby, lora]
              method.reduction: [8, 16]
            """)
        XCTAssertEqual(bad.map(\.key), ["grid.method.reduction"])
        XCTAssertTrue(bad.first?.message.contains("not a setting of method 'lora'") == true, "\(bad)")
    }

    func testSettingsThatDoNotSuitTheOtherMethodAreErrors() {
        let wrongKey = problems("method: {name: lora}\ninclude:\n  - {method.name: ia3, method.r: 4}\n")
        XCTAssertEqual(wrongKey.map(\.key), ["include.method.r"])
        let unknown = problems("method: {name: lora}\ninclude:\n  - {method.name: lorax}\n")
        XCTAssertEqual(unknown.map(\.key), ["include.method.name"])
        let carried = problems("method: {name: lora, towers: text}\ninclude:\n  - {method.name: vpt}\n")
        XCTAssertEqual(carried.map(\.key), ["method.towers"])
        XCTAssertEqual(carried.first?.line, 4)
        XCTAssertTrue(problems("method: {name: lora, towers: text}\ninclude:\n  - {method.name: vpt, method.towers: vision}\n").isEmpty)
        let task = try? ExperimentSpec.parse(yaml: "name: r\ndataset: d\ntask: retrieval\nmethod: lora\ninclude:\n  - {method.name: linear-probe}\n",
                                             file: "r.yaml")
        XCTAssertNil(task, "linear-probe does not support retrieval")
    }
}

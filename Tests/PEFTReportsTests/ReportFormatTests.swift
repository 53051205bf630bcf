import Foundation
import PEFTStore
import XCTest
@testable import PEFTReports

/// Every output format of the fixture's report against its golden file (Fixtures/report.*). To regenerate after
/// a deliberate change: `PEFTLAB_UPDATE_GOLDENS=1 swift test … --filter ReportFormatTests`, then read the diff.
final class ReportFormatTests: XCTestCase {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    private func report() throws -> ComparisonReport {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("report-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = try ReportFixture.make(path: dir.appendingPathComponent("r.db").path)
        return try ComparisonReport(store: store, options: ReportOptions(
            baseline: [BaselineCondition(key: "method.name", value: "linear-probe")], bootstrap: PairedBootstrap(resamples: 1000, seed: 3)))
    }

    private func assertGolden(_ text: String, _ name: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let url = Self.fixtures.appendingPathComponent(name)
        if ProcessInfo.processInfo.environment["PEFTLAB_UPDATE_GOLDENS"] == "1" {
            try Data(text.utf8).write(to: url)
            return
        }
        let expected = try String(contentsOf: url, encoding: .utf8)
        if text != expected {
            let a = text.split(separator: "\n", omittingEmptySubsequences: false), b = expected.split(separator: "\n", omittingEmptySubsequences: false)
            let first = zip(a, b).enumerated().first { $0.element.0 != $0.element.1 }
            XCTFail("\(name) differs from its golden file at line \((first?.offset ?? min(a.count, b.count)) + 1):\n got: "
                    + "\(first.map { String($0.element.0) } ?? "")\nwant: \(first.map { String($0.element.1) } ?? "")", file: file, line: line)
        }
    }

    func testEveryFormatMatchesItsGoldenFile() throws {
        let report = try report()
        for format in ReportFormat.allCases {
            try assertGolden(report.rendered(as: format), "report.\(format == .table ? "txt" : format == .markdown ? "md" : format == .latex ? "tex" : format.rawValue)")
        }
    }

    func testRowsShowIncompleteGroupsFallbacksAndRecomputedMetrics() throws {
        let table = try report().experiments[0]
        let rows = Dictionary(table.rows.map { ($0.label, $0) }, uniquingKeysWith: { a, _ in a })
        XCTAssertEqual(table.rows.map(\.label), ["linear-probe lr=0.1", "lora layers=7-12 r=8", "lora layers=7-12 r=16", "houlsby"])
        let text = ReportTable(table, options: ReportOptions(baseline: [BaselineCondition(key: "method.name", value: "linear-probe")])).rows
        XCTAssertEqual(text[2][1].text, "2/3 (1 running)", "an incomplete group says so")
        XCTAssertEqual(text[3][1].text, "0/3 (1 queued, 2 failed)")
        XCTAssertEqual(rows["lora layers=7-12 r=16"]?.values["accuracy"]?.n, 2, "only succeeded seeds are averaged")
        XCTAssertEqual(rows["lora layers=7-12 r=8"]?.fallbacks, 1)
        XCTAssertEqual(rows["lora layers=7-12 r=8"]?.steps, 15 ... 20, "seed 1 fell back to its last step")
        XCTAssertEqual(rows["lora layers=7-12 r=8"]?.values["macro_f1"]?.recomputed, 1)
        XCTAssertEqual(rows["lora layers=7-12 r=8"]?.values["macro_f1"]?.n, 3)
        XCTAssertTrue(rows["linear-probe lr=0.1"]?.isBaseline == true)
        XCTAssertNotNil(rows["lora layers=7-12 r=8"]?.comparisons["accuracy"]?.bootstrap)
        XCTAssertEqual(rows["lora layers=7-12 r=8"]?.comparisons["accuracy"]?.mcnemar.count, 3)
        XCTAssertEqual(rows["lora layers=7-12 r=16"]?.comparisons["accuracy"]?.tTest?.pairs, 2)
        XCTAssertNil(rows["houlsby"]?.values["accuracy"]?.mean)
    }

    func testSelectionLastReadsTheLastStep() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("report-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = try ReportFixture.make(path: dir.appendingPathComponent("r.db").path)
        let last = try ComparisonReport(store: store, options: ReportOptions(selection: .last)).experiments[0]
        let best = try ComparisonReport(store: store, options: ReportOptions(selection: .bestVal)).experiments[0]
        XCTAssertEqual(last.rows[0].steps, 20 ... 20)
        XCTAssertEqual(best.rows[0].steps, 15 ... 15)
        XCTAssertNotEqual(last.rows[0].values["accuracy"]?.mean, best.rows[0].values["accuracy"]?.mean)
        XCTAssertTrue(ReportTable(last, options: ReportOptions(selection: .last)).caption.contains("last step"))
    }

    func testHTMLIsSelfContained() throws {
        let html = try report().html()
        for forbidden in ["<script", "http:", "https:", "src=", "@import", "url("] {
            XCTAssertFalse(html.contains(forbidden), "the HTML report must not reference '\(forbidden)'")
        }
        XCTAssertEqual(html.components(separatedBy: "<svg").count - 1, 3, "loss curves, val curves, params-vs-score scatter")
        XCTAssertTrue(html.contains("<polygon"), "bands over seeds")
        XCTAssertTrue(html.contains("2 failed"))
    }

    func testBadInputsAreSentences() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("report-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = try ReportFixture.make(path: dir.appendingPathComponent("r.db").path)
        XCTAssertThrowsError(try ComparisonReport(store: store, options: ReportOptions(experiments: ["nope"]))) {
            XCTAssertEqual($0 as? ReportError, .unknownExperiment("nope", known: ["probe-grid"]))
        }
        XCTAssertThrowsError(try ComparisonReport(store: store, options: ReportOptions(metrics: ["bleu"]))) {
            XCTAssertTrue("\($0)".hasPrefix("--metric 'bleu' is not a metric"), "\($0)")
        }
        XCTAssertThrowsError(try ComparisonReport(store: store, options: ReportOptions(baseline: [BaselineCondition(key: "method.name", value: "lora")]))) {
            XCTAssertTrue("\($0)".contains("matches 2 configurations in 'probe-grid'"), "\($0)")
        }
        XCTAssertThrowsError(try BaselineCondition(parsing: "method.name")) { XCTAssertEqual($0 as? ReportError, .badBaseline("method.name")) }
    }
}

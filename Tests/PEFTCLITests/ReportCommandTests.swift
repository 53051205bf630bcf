import Foundation
import PEFTOrchestrator
import PEFTStore
import PEFTTestSupport
import XCTest

/// `peftlab report` end to end: a trained linear-probe grid reported in each format, to stdout and to a file, and
/// input errors as one sentence with a non-zero status.
final class ReportCommandTests: XCTestCase {
    func testReportPrintsTablesWritesHTMLAndRefusesBadInput() throws {
        let dir = TemporaryDirectory()
        let db = TestDatabase.locator(dir.path("r.db"))
        let store = try Store(path: db)
        try SyntheticFeatureDataset.make(store: store, name: "synth", train: 96, val: 32, test: 48)
        try """
            name: probe
            dataset: synth
            task: classification
            method: {name: linear-probe, feature: features}
            train: {epochs: 3, batch_size: 32, lr: 0.05}
            grid: {train.lr: [0.02, 0.3]}
            seeds: [1, 2]
            """.write(toFile: dir.path("probe.yaml"), atomically: true, encoding: .utf8)
        XCTAssertEqual(try CLIRunner.run(["queue", "--db", db, dir.path("probe.yaml")]).status, 0)
        XCTAssertEqual(try CLIRunner.run(["work", "--db", db, "--threads", "1"]).status, 0)

        let table = try CLIRunner.run(["report", "--db", db, "--baseline", "train.lr=0.02", "--resamples", "500"])
        XCTAssertEqual(table.status, 0, table.stderr)
        XCTAssertTrue(table.stdout.contains("linear-probe lr=0.02 (baseline)"), table.stdout)
        XCTAssertTrue(table.stdout.contains("Δ accuracy [95% CI]"), table.stdout)
        let csv = try CLIRunner.run(["report", "--db", db, "--format", "csv", "--metric", "macro_f1", "--select", "last"])
        XCTAssertEqual(csv.stdout.split(separator: "\n").count, 3, csv.stdout)
        XCTAssertTrue(csv.stdout.hasPrefix("experiment,configuration,method,grid.train.lr,"), csv.stdout)

        let html = try CLIRunner.run(["report", "--db", db, "--format", "html", "--out", dir.path("r.html")])
        XCTAssertEqual(html.status, 0, html.stderr)
        XCTAssertTrue(try String(contentsOfFile: dir.path("r.html"), encoding: .utf8).contains("<svg"))

        let bad = try CLIRunner.run(["report", "--db", db, "--baseline", "lr"])
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.stderr.contains("--baseline 'lr' is not KEY=VALUE"), bad.stderr)
        let missing = try CLIRunner.run(["report", "--db", db, "--experiment", "nope"])
        XCTAssertEqual(missing.status, 1)
        XCTAssertTrue(missing.stderr.contains("no experiment named 'nope' in this database (it has: probe)"), missing.stderr)
    }
}

import Foundation
import PEFTMethods
import PEFTOrchestrator
import PEFTStore
import PEFTTestSupport
import XCTest
@testable import PEFTReports

/// Real linear-probe runs (the orchestrator's synthetic feature dataset, seconds to train) through the worker:
/// predictions are stored at the last and the best-validation step, metrics recomputed from them equal the
/// recorded ones, the `leaderboard` view equals the report's table, and a metric deleted from old runs comes back
/// from their predictions.
final class ReportTrainingTests: XCTestCase {
    private static let spec = """
        name: probe
        dataset: synth
        task: classification
        method: {name: linear-probe, feature: features}
        train: {epochs: 6, batch_size: 32, lr: 0.05, eval_every: 4}
        grid: {train.lr: [0.02, 0.3]}
        seeds: [1, 2, 3]
        """

    private var directory: URL!

    override func setUp() {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("report-train-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDown() { try? FileManager.default.removeItem(at: directory) }

    /// The store with the grid trained, and one more seed queued but not run.
    private func trainedStore() throws -> Store {
        let store = try Store(path: TestDatabase.locator(directory.appendingPathComponent("t.db").path))
        try SyntheticFeatureDataset.make(store: store, name: "synth", train: 160, val: 60, test: 80)
        _ = try ExperimentQueue(store: store).queue([ExperimentSpec.parse(yaml: Self.spec, file: "probe.yaml")])
        var options = Worker.Options()
        options.threads = 1
        options.cores = 1
        XCTAssertEqual(Worker(store: store, options: options).run().succeeded, 6)
        let more = Self.spec.replacingOccurrences(of: "seeds: [1, 2, 3]", with: "seeds: [1, 2, 3, 4]")
        _ = try ExperimentQueue(store: store).queue([ExperimentSpec.parse(yaml: more, file: "probe.yaml")])
        return store
    }

    func testPredictionsAreStoredAndReproduceTheRecordedMetrics() throws {
        let store = try trainedStore()
        let checked = try store.read { tx -> Int in
            let testIDs: [Int64] = try tx.rows("SELECT id FROM examples WHERE split = 'test' ORDER BY id").map { try $0["id"] }
            var checked = 0
            for row in try tx.rows("SELECT run_id, step FROM predictions ORDER BY run_id, step") {
                let runID: Int64 = try row["run_id"], step: Int = try row["step"]
                let record = try XCTUnwrap(PredictionRecord.fetch(runID: runID, split: "test", step: step, in: tx))
                XCTAssertEqual(record.predictions.exampleIDs, testIDs)
                let recorded = try MetricRow.all(runID: runID, in: tx).filter { $0.split == "test" && $0.step == step }
                let recomputed = RecomputedMetrics.compute(record.predictions)
                XCTAssertEqual(recorded.count, ClassificationMetrics.names.count + 1, "the metrics and the loss")
                for metric in recorded where metric.name != "loss" {
                    XCTAssertEqual(recomputed[metric.name], metric.value, "run \(runID) step \(step) \(metric.name)")
                }
                checked += 1
            }
            let earlierBest = try tx.value(Int.self, """
                SELECT COUNT(*) FROM checkpoints c JOIN runs r ON r.id = c.run_id WHERE c.is_best = 1 AND c.step < r.step
                """) ?? 0
            XCTAssertEqual(try tx.value(Int.self, "SELECT COUNT(*) FROM predictions"), 6 + earlierBest,
                           "one blob at the last step of each run, one more where the best-validation step was earlier")
            XCTAssertGreaterThan(earlierBest, 0, "the grid should have runs whose best step is not the last (eval every 4 steps)")
            XCTAssertEqual(try tx.value(Int.self, "SELECT SUM(fallback) FROM run_selection WHERE selection = 'best-val' AND step IS NOT NULL"), 0)
            return checked
        }
        XCTAssertGreaterThan(checked, 6)
    }

    func testLeaderboardViewEqualsTheReportTable() throws {
        let store = try trainedStore()
        for selection in ModelSelection.allCases {
            let report = try ComparisonReport(store: store, options: ReportOptions(metrics: ["accuracy", "macro_f1", "loss"], selection: selection))
            let table = try XCTUnwrap(report.experiments.first)
            XCTAssertEqual(table.rows.count, 2)
            XCTAssertEqual(ReportTable(table, options: report.options).rows.map { $0[1].text }, ["3/4 (1 queued)", "3/4 (1 queued)"])
            let view = try store.read { tx in
                try tx.rows("SELECT * FROM leaderboard_by_selection WHERE experiment = 'probe' AND selection = ? AND split = 'test'",
                            [selection.rawValue])
            }
            XCTAssertEqual(view.count, 2 * (ClassificationMetrics.names.count + 1))
            for row in table.rows {
                let lr = row.grid.first { $0.key == "train.lr" }?.value
                for metric in table.metrics {
                    let match = try view.filter { try ($0["metric"] as String) == metric && ($0["grid"] as String).contains("\"train.lr\":\(lr!)") }
                    let sql = try XCTUnwrap(match.first, "\(row.label) \(metric)")
                    XCTAssertEqual(match.count, 1)
                    let summary = try XCTUnwrap(row.values[metric])
                    XCTAssertEqual(try sql["seeds"] as Int, summary.n)
                    XCTAssertEqual(try sql["runs"] as Int, row.states.total)
                    XCTAssertEqual(try sql["queued"] as Int, row.states.queued)
                    XCTAssertEqual(try sql["mean"] as Double, summary.mean!, accuracy: 1e-12)
                    XCTAssertEqual(try sql["std"] as Double, summary.std!, accuracy: 1e-9, "one-pass SQL std vs two-pass")
                    XCTAssertEqual(try sql["min_step"] as Int, row.steps?.lowerBound)
                    XCTAssertEqual(try sql["max_step"] as Int, row.steps?.upperBound)
                    XCTAssertEqual(try sql["trainable_params"] as Int?, row.trainableParams)
                    XCTAssertEqual(try sql["total_params"] as Int?, row.totalParams)
                    XCTAssertEqual(try sql["seconds"] as Double, row.seconds!, accuracy: 1e-9)
                    XCTAssertEqual(try sql["examples_per_second"] as Double, row.examplesPerSecond!, accuracy: 1e-6 * row.examplesPerSecond!)
                }
            }
        }
        let defaultView = try store.query("SELECT COUNT(*) FROM leaderboard WHERE selection = 'best-val' AND split = 'test'").rows
        XCTAssertEqual(defaultView.first?.first, .integer(Int64(2 * (ClassificationMetrics.names.count + 1))))
    }

    func testAMetricOldRunsDidNotRecordIsRecomputedFromTheirPredictions() throws {
        let store = try trainedStore()
        let options = ReportOptions(metrics: ["macro_f1"], baseline: [BaselineCondition(key: "train.lr", value: "0.02")],
                                    bootstrap: PairedBootstrap(resamples: 200))
        let before = try ComparisonReport(store: store, options: options).experiments[0]
        try store.write { try $0.execute("DELETE FROM metrics WHERE name = 'macro_f1'") }
        let after = try ComparisonReport(store: store, options: options).experiments[0]
        for (old, new) in zip(before.rows, after.rows) {
            XCTAssertEqual(old.values["macro_f1"]?.recomputed, 0)
            XCTAssertEqual(new.values["macro_f1"]?.recomputed, 3)
            XCTAssertEqual(new.values["macro_f1"]?.perSeed, old.values["macro_f1"]?.perSeed)
            XCTAssertEqual(new.comparisons["macro_f1"]?.tTest, old.comparisons["macro_f1"]?.tTest)
        }
        let comparison = try XCTUnwrap(after.rows[1].comparisons["macro_f1"])
        XCTAssertEqual(comparison.bootstrap?.pairs, 3)
        XCTAssertEqual(comparison.bootstrap?.examples, 80)
        XCTAssertEqual(comparison.bootstrap?.observed ?? .nan, comparison.tTest?.meanDifference ?? 0, accuracy: 1e-12,
                       "the bootstrap's full-sample statistic is the seed-averaged difference")
    }
}

import Foundation
import PEFTStore
import PEFTTestSupport
import XCTest
@testable import PEFTOrchestrator

final class ExecutorTests: XCTestCase {
    private var dir: URL!

    override func setUp() {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("exec-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    override func tearDown() { try? FileManager.default.removeItem(at: dir) }

    private let spec = """
        name: probe
        dataset: synth
        task: classification
        method: {name: linear-probe, feature: features}
        train: {epochs: 4, batch_size: 16, lr: 0.05, checkpoint_every: 7, keep_last: 2, eval_every: 5}
        grid: {train.lr: [0.05, 0.2]}
        seeds: [1, 2]
        """

    /// A store with the synthetic dataset and the spec queued (4 runs).
    private func queuedStore(_ name: String) throws -> Store {
        let store = try Store(path: TestDatabase.locator(dir.appendingPathComponent(name).path))
        try SyntheticFeatureDataset.make(store: store, name: "synth")
        let outcome = try ExperimentQueue(store: store).queue([ExperimentSpec.parse(yaml: spec, file: "probe.yaml")])
        XCTAssertEqual(outcome, [.init(experiment: "probe", new: 4, alreadyQueued: 0)])
        return store
    }

    private func work(_ store: Store, stopAtStep: Int? = nil,
                      atStep: (step: Int, run: Int64, action: @Sendable () -> Void)? = nil) -> Worker.Summary {
        var options = Worker.Options()
        options.threads = 1
        options.cores = 1
        let worker = Worker(store: store, options: options)
        let fired = StopFlag()
        worker.onProgress = { p in
            if p.step == stopAtStep { worker.stop.raise() }
            if let atStep, p.runID == atStep.run, p.step == atStep.step, !fired.isRaised {
                fired.raise()
                atStep.action()
            }
        }
        return worker.run()
    }

    /// Every run's checkpointed parameters and all metric rows, keyed by config hash.
    private func outcome(_ store: Store) throws -> [String: [String]] {
        try store.read { tx in
            var out: [String: [String]] = [:]
            for id in try tx.rows("SELECT id FROM runs ORDER BY id").map({ row -> Int64 in try row["id"] }) {
                let run = try XCTUnwrap(try RunRecord.fetch(id: id, in: tx))
                let params = try CheckpointRecord.latest(runID: id, in: tx)?.parameters
                let metrics = try MetricRow.all(runID: id, in: tx).map { "\($0.split) \($0.name) \($0.step) \($0.value.bitPattern)" }
                let best = try CheckpointRecord.best(runID: id, in: tx).map {
                    "best \($0.step) \(($0.bestMetric ?? .nan).bitPattern) \($0.parameters.base64EncodedString())"
                }
                out[run.configHash] = [run.state.rawValue, params?.base64EncodedString() ?? "none", best ?? "no best"] + metrics
            }
            return out
        }
    }

    func testRunsTrainToHighAccuracyAndRecordEveryStep() throws {
        let store = try queuedStore("a.db")
        XCTAssertEqual(work(store), Worker.Summary(succeeded: 4))
        let accuracies = try store.read { tx in try tx.rows("SELECT test_accuracy FROM results").map { row -> Double in try row[0] } }
        XCTAssertEqual(accuracies.count, 4)
        XCTAssertTrue(accuracies.allSatisfy { $0 > 0.9 }, "\(accuracies)")
        try store.read { tx in
            // 240 examples / 16 = 15 steps per epoch × 4 epochs; a train loss at every step, no gaps, no duplicates.
            let steps = try MetricRow.all(runID: 1, in: tx).filter { $0.split == "train" && $0.name == "loss" }.map(\.step)
            XCTAssertEqual(steps, Array(1...60))
            let checkpoints = try tx.rows("SELECT step, is_best FROM checkpoints WHERE run_id = 1 ORDER BY step")
            XCTAssertLessThanOrEqual(checkpoints.count, 3, "keep_last 2 + best")
            XCTAssertEqual(try checkpoints.last?["step"] as Int?, 60)
            XCTAssertEqual(try checkpoints.filter { try $0["is_best"] as Bool }.count, 1)
            XCTAssertEqual(try LeaseRecord.count(in: tx), 0)
        }
    }

    func testStoppedAndResumedRunsEqualUninterruptedOnesBitForBit() throws {
        let reference = try queuedStore("reference.db")
        _ = work(reference)

        let interrupted = try queuedStore("interrupted.db")
        for stop in [3, 9, 10, 31, 44, 59] {
            XCTAssertEqual(work(interrupted, stopAtStep: stop).failed, 0)
        }
        XCTAssertEqual(work(interrupted).failed, 0)
        let states = try interrupted.read { tx in
            try tx.rows("SELECT DISTINCT state FROM runs").map { row -> String in try row[0] }
        }
        XCTAssertEqual(states, ["succeeded"])
        XCTAssertEqual(try outcome(interrupted), try outcome(reference))
        let released = try interrupted.read { tx in
            try (1...4).flatMap { try AttemptRecord.all(runID: Int64($0), in: tx) }.filter { $0.outcome == .released }.count
        }
        XCTAssertGreaterThan(released, 0, "the stops really interrupted runs")
    }

    /// A run whose lease is taken away mid-run (expired and handed on) records nothing more from the old
    /// attempt; the new attempt resumes and ends exactly like an undisturbed run.
    func testALostLeaseStopsTheOldAttemptWithoutAnotherWrite() throws {
        let reference = try queuedStore("reference.db")
        _ = work(reference)
        let store = try queuedStore("stolen.db")
        let summary = work(store, atStep: (step: 10, run: 1, action: {
            _ = try? store.write { tx in
                try LeaseRecord.delete(runID: 1, in: tx)
                try tx.execute("UPDATE runs SET state = 'queued' WHERE id = 1")
            }
        }))
        XCTAssertEqual(summary, Worker.Summary(succeeded: 4, leaseLost: 1))
        XCTAssertEqual(try outcome(store), try outcome(reference))
    }

    func testCancellingARunningRunStopsItAndResumeContinuesFromItsCheckpoint() throws {
        let reference = try queuedStore("reference.db")
        _ = work(reference)
        let store = try queuedStore("cancel.db")
        let summary = work(store, atStep: (step: 30, run: 1, action: {
            _ = try? RunControl(store: store).cancel(.runs([1]))
        }))
        XCTAssertEqual(summary, Worker.Summary(succeeded: 3, cancelled: 1))
        let checkpointed = try store.read { try CheckpointRecord.latest(runID: 1, in: $0)?.step }
        XCTAssertEqual(checkpointed, 28, "the last checkpoint before the cancel (every 7 steps)")
        XCTAssertEqual(try RunControl(store: store).resume(.runs([1])), [1])
        XCTAssertEqual(work(store).succeeded, 1)
        XCTAssertEqual(try outcome(store), try outcome(reference))
    }

    func testLeaderboardAveragesSeedsOfOneConfiguration() throws {
        let store = try queuedStore("board.db")
        _ = work(store)
        let rows = try store.query("SELECT grid, seeds, mean, std FROM leaderboard WHERE metric = 'accuracy' ORDER BY grid").rows
        XCTAssertEqual(rows.count, 2, "two learning rates")
        for row in rows {
            XCTAssertEqual(row[1], .integer(2))
            guard case .real(let mean) = row[2], case .real = row[3] else { return XCTFail("\(row)") }
            XCTAssertGreaterThan(mean, 0.9)
        }
    }

    func testRequeueingAddsOnlyNewGridPoints() throws {
        let store = try queuedStore("q.db")
        let queue = ExperimentQueue(store: store)
        XCTAssertEqual(try queue.queue([ExperimentSpec.parse(yaml: spec, file: "probe.yaml")]),
                       [.init(experiment: "probe", new: 0, alreadyQueued: 4)])
        let changed = spec.replacingOccurrences(of: "[0.05, 0.2]", with: "[0.05, 0.3]")
        XCTAssertEqual(try queue.queue([ExperimentSpec.parse(yaml: changed, file: "probe.yaml")]),
                       [.init(experiment: "probe", new: 2, alreadyQueued: 2)])
        XCTAssertEqual(try store.read { try $0.value(Int.self, "SELECT COUNT(*) FROM runs") }, 6)
    }

    func testUnknownDatasetIsReportedAtItsLineAndNothingIsQueued() throws {
        let store = try Store(path: TestDatabase.locator(dir.appendingPathComponent("empty.db").path))
        XCTAssertThrowsError(try ExperimentQueue(store: store).queue([ExperimentSpec.parse(yaml: spec, file: "probe.yaml")])) { error in
            XCTAssertEqual((error as? SpecErrors)?.errors.first?.description.hasPrefix("probe.yaml:2: key 'dataset': no dataset named 'synth'"), true, "\(error)")
        }
        XCTAssertEqual(try store.read { try ExperimentRecord.count(in: $0) }, 0)
    }

    func testCancelledQueuedRunIsSkippedUntilResumed() throws {
        let store = try queuedStore("c.db")
        let control = RunControl(store: store)
        XCTAssertEqual(try control.cancel(.runs([2])), [2])
        _ = work(store)
        XCTAssertEqual(try store.read { try RunRecord.state(id: 2, in: $0) }, .cancelled)
        XCTAssertEqual(try control.resume(.experiment("probe", state: nil)), [2])
        _ = work(store)
        XCTAssertEqual(try store.read { tx in try (1...4).filter { try RunRecord.state(id: Int64($0), in: tx) == .succeeded }.count }, 4)
    }
}

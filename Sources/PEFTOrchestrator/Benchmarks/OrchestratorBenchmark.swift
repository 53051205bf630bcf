import Foundation
import PEFTMethods
import PEFTStore

/// Measures the orchestrator's own costs: metric insert throughput, and the per-run overhead of queueing,
/// claiming, checkpointing and recording compared with calling the same trainer directly.
public enum OrchestratorBenchmark {
    public struct Report: Sendable, Codable {
        public var metricRows: Int
        public var metricRowsPerSecond: Double
        public var runs: Int
        public var stepsPerRun: Int
        /// Mean wall time of one run trained by calling the trainer directly (steps + evals, no database).
        public var directMsPerRun: Double
        /// Mean wall time of one run through queue → worker → executor (claims, checkpoints, metrics).
        public var orchestratedMsPerRun: Double
        public var overheadMsPerRun: Double { orchestratedMsPerRun - directMsPerRun }
        public var ratio: Double { orchestratedMsPerRun / max(directMsPerRun, 1e-9) }
    }

    /// Runs both measurements in a fresh database at `path` (deleted first).
    public static func run(path: String, runs: Int = 8, metricRows: Int = 200_000) throws -> Report {
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        let store = try Store(path: path)
        try SyntheticFeatureDataset.make(store: store, name: "bench-synth", train: 512, val: 128, test: 128, dimension: 32)
        let yaml = """
            name: bench-orchestrator
            dataset: bench-synth
            task: classification
            method: {name: linear-probe, feature: features}
            train: {epochs: 4, batch_size: 16, checkpoint_every: 16, eval_every: 32}
            seeds: [\((1...runs).map(String.init).joined(separator: ", "))]
            """
        let spec = try ExperimentSpec.parse(yaml: yaml, file: "bench-orchestrator.yaml")
        let metricRate = try metricInsertRate(store: store, rows: metricRows)

        // Direct: build each trainer and drive it with no database writes.
        let plans = spec.expand()
        var steps = 0
        let directStart = DispatchTime.now().uptimeNanoseconds
        for plan in plans {
            let config = RunConfig(plan.config)
            let trainer = try Trainer(config: config, context: TrainingContext(store: store, threads: 1))
            steps = trainer.totalSteps
            for step in 1...trainer.totalSteps {
                _ = try trainer.trainStep()
                if step % 32 == 0 || step == trainer.totalSteps { _ = try trainer.evaluate(split: "val") }
            }
            _ = try trainer.evaluate(split: "test")
        }
        let direct = Double(DispatchTime.now().uptimeNanoseconds - directStart) / 1e6 / Double(plans.count)

        // Orchestrated: queue and work the same runs.
        let orchestratedStart = DispatchTime.now().uptimeNanoseconds
        _ = try ExperimentQueue(store: store).queue([spec])
        var options = Worker.Options()
        options.threads = 1
        options.cores = 1
        _ = Worker(store: store, options: options).run()
        let orchestrated = Double(DispatchTime.now().uptimeNanoseconds - orchestratedStart) / 1e6 / Double(plans.count)
        return Report(metricRows: metricRows, metricRowsPerSecond: metricRate, runs: plans.count, stepsPerRun: steps,
                      directMsPerRun: direct, orchestratedMsPerRun: orchestrated)
    }

    /// Inserts `rows` metric rows in batches of 1 000 (one transaction each), as workers flush them.
    static func metricInsertRate(store: Store, rows: Int) throws -> Double {
        let name = "__metrics_bench__"
        let runID = try store.write { tx -> Int64 in
            let experiment = try ExperimentRecord.save(name: name, file: nil, yaml: "", yamlSHA256: "", now: 0, in: tx)
            guard let run = try RunRecord.queue(experimentID: experiment, configHash: name, configJSON: "{}", method: "bench",
                                                seed: 0, queuedAt: 0, in: tx) else {
                throw StoreError.sql(message: "a run '\(name)' is already stored", sql: "")
            }
            return run
        }
        let start = DispatchTime.now().uptimeNanoseconds
        var written = 0
        while written < rows {
            let batch = (written..<min(rows, written + 1000)).map {
                MetricRow(runID: runID, step: $0 / 4, split: "train", name: ["loss", "lr", "accuracy", "f1"][$0 % 4], value: Double($0))
            }
            try store.write { tx in try MetricRow.insert(batch, in: tx) }
            written += batch.count
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        try store.write { tx in try ExperimentRecord.delete(name: name, in: tx) }
        return Double(rows) / seconds
    }
}

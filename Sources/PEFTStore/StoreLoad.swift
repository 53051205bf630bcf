import Foundation

/// A concurrent-writer load test of a PEFTLab database: what `peftlab bench store` runs in each process.
///
/// `writes` mode inserts one `events` row per transaction; `claims` mode claims and completes runs of the
/// experiment `__bench__` until none is left; `metrics` mode inserts `metricBatch` metric rows per transaction (what a
/// worker's checkpoint writes). All measure per-transaction latency including lock waits.
public enum StoreLoad {
    /// What one process measured.
    public struct Report: Codable, Sendable {
        public var operations: Int
        public var failures: Int
        public var firstError: String?
        public var seconds: Double
        /// Latencies in milliseconds, sorted ascending.
        public var latenciesMs: [Double]

        /// The `q`-quantile (0…1) of the latencies, in milliseconds.
        public func quantile(_ q: Double) -> Double {
            guard !latenciesMs.isEmpty else { return 0 }
            return latenciesMs[min(latenciesMs.count - 1, Int((Double(latenciesMs.count - 1) * q).rounded()))]
        }

        /// Several processes' reports as one.
        public static func merged(_ reports: [Report], seconds: Double) -> Report {
            Report(operations: reports.map(\.operations).reduce(0, +),
                   failures: reports.map(\.failures).reduce(0, +),
                   firstError: reports.compactMap(\.firstError).first,
                   seconds: seconds,
                   latenciesMs: reports.flatMap(\.latenciesMs).sorted())
        }
    }

    /// The experiment name `claims` mode queues its runs under.
    public static let benchExperiment = "__bench__"

    /// Inserts `count` rows into `events`, one transaction each, tagged `tag`.
    public static func writes(store: Store, count: Int, tag: String) -> Report {
        measure(count: count) { i in
            try store.write { tx in
                try Event.record(tx, runID: nil, level: .info, kind: "load-test", message: "\(tag) \(i)",
                                 now: try tx.databaseNow())
            }
            return true
        }
    }

    /// How many `writes` rows are stored whose tag starts with `prefix` and a dash (the tags of one benchmark).
    public static func storedWrites(store: Store, prefix: String) throws -> Int {
        try store.read { tx in
            try tx.value(Int.self, "SELECT COUNT(*) FROM events WHERE kind = 'load-test' AND message LIKE ?",
                         [prefix + "-%"]) ?? 0
        }
    }

    /// Deletes the `writes` rows whose tag starts with `prefix` and a dash.
    public static func removeWrites(store: Store, prefix: String) throws {
        try store.write { tx in
            try tx.execute("DELETE FROM events WHERE kind = 'load-test' AND message LIKE ?", [prefix + "-%"])
        }
    }

    /// Queues `runs` runs under `benchExperiment` (replacing earlier ones); call once before `claims`.
    public static func prepareClaims(store: Store, runs: Int) throws {
        try store.write { tx in
            try ExperimentRecord.delete(name: benchExperiment, in: tx)
            let experiment = try ExperimentRecord.save(name: benchExperiment, file: nil, yaml: "", yamlSHA256: "", now: 0,
                                                       in: tx)
            for i in 0..<runs {
                _ = try RunRecord.queue(experimentID: experiment, configHash: "\(benchExperiment)\(i)", configJSON: "{}",
                                        method: "bench", seed: i, queuedAt: 0, in: tx)
            }
        }
    }

    /// Metric rows per `metrics` transaction.
    public static let metricBatch = 1_000

    /// Inserts `count` batches of `metricBatch` metric rows, one transaction each, for the `index`-th run that
    /// `prepareClaims` queued (one run per process).
    public static func metrics(store: Store, count: Int, index: Int) -> Report {
        let runID: Int64
        do {
            runID = try store.read { tx in
                try tx.value(Int64.self, """
                    SELECT r.id FROM runs r JOIN experiments e ON e.id = r.experiment_id WHERE e.name = ? AND r.seed = ?
                    """, [benchExperiment, index])
            } ?? -1
        } catch {
            return Report(operations: 0, failures: count, firstError: "\(error)", seconds: 0, latenciesMs: [])
        }
        return measure(count: count) { i in
            let rows = (0..<metricBatch).map {
                MetricRow(runID: runID, step: i * metricBatch + $0, split: "train", name: "loss", value: Double($0) / 7)
            }
            try store.write { tx in try MetricRow.insert(rows, in: tx) }
            return true
        }
    }

    /// How many metric rows the runs of `benchExperiment` hold.
    public static func storedMetrics(store: Store) throws -> Int {
        try store.read { tx in
            try tx.value(Int.self, """
                SELECT COUNT(*) FROM metrics m JOIN runs r ON r.id = m.run_id JOIN experiments e ON e.id = r.experiment_id
                WHERE e.name = ?
                """, [benchExperiment]) ?? 0
        }
    }

    /// Claims and completes runs of `benchExperiment` until none is left; each claim is one timed operation.
    public static func claims(store: Store, worker: WorkerIdentity) -> Report {
        let queue = StoreRunQueue(store: store)
        return measure(count: Int.max) { _ in
            guard let claim = try queue.claim(worker: worker, experiment: benchExperiment, leaseSeconds: 600) else {
                return false
            }
            try queue.complete(claim, outcome: .succeeded, metrics: [])
            return true
        }
    }

    /// How many runs of `benchExperiment` succeeded.
    public static func storedClaims(store: Store) throws -> Int {
        try store.read { tx in
            try tx.value(Int.self, """
                SELECT COUNT(*) FROM runs r JOIN experiments e ON e.id = r.experiment_id
                WHERE e.name = ? AND r.state = 'succeeded'
                """, [benchExperiment]) ?? 0
        }
    }

    /// Deletes `benchExperiment` and its runs.
    public static func removeClaims(store: Store) throws {
        try store.write { tx in try ExperimentRecord.delete(name: benchExperiment, in: tx) }
    }

    /// Runs `operation` up to `count` times (until it returns false), timing each call.
    private static func measure(count: Int, _ operation: (Int) throws -> Bool) -> Report {
        var latencies: [Double] = []
        var failures = 0
        var firstError: String?
        let start = DispatchTime.now().uptimeNanoseconds
        var i = 0
        while i < count {
            let t0 = DispatchTime.now().uptimeNanoseconds
            do {
                if try !operation(i) { break }
                latencies.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6)
            } catch {
                failures += 1
                if firstError == nil { firstError = "\(error)" }
            }
            i += 1
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        return Report(operations: latencies.count, failures: failures, firstError: firstError, seconds: seconds,
                      latenciesMs: latencies.sorted())
    }
}

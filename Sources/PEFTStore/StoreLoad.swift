import Foundation
import GRDB

/// A concurrent-writer load test of a PEFTLab database: what `peftlab bench store` runs in each process.
///
/// `writes` mode inserts one `events` row per transaction; `claims` mode claims and completes runs of the
/// experiment `__bench__` until none is left. Both measure per-transaction latency including lock waits.
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
            try store.grdbWrite { db in
                try Event.record(db.storeTransaction, runID: nil, level: .info, kind: "load-test", message: "\(tag) \(i)")
            }
            return true
        }
    }

    /// Queues `runs` runs under `benchExperiment` (replacing earlier ones); call once before `claims`.
    public static func prepareClaims(store: Store, runs: Int) throws {
        try store.grdbWrite { db in
            try db.execute(sql: "DELETE FROM experiments WHERE name = ?", arguments: [benchExperiment])
            try db.execute(sql: """
                INSERT INTO experiments (name, yaml, yaml_sha256, created_at, updated_at) VALUES (?, '', '', 0, 0)
                """, arguments: [benchExperiment])
            let experiment = db.lastInsertedRowID
            for i in 0..<runs {
                try db.execute(sql: """
                    INSERT INTO runs (experiment_id, config_hash, config_json, method, seed, queued_at)
                    VALUES (?, ?, '{}', 'bench', ?, 0)
                    """, arguments: [experiment, "__bench__\(i)", i])
            }
        }
    }

    /// Claims and completes runs of `benchExperiment` until none is left; each claim is one timed operation.
    public static func claims(store: Store, worker: WorkerIdentity) -> Report {
        let queue = SQLiteRunQueue(store: store)
        return measure(count: Int.max) { _ in
            guard let claim = try queue.claim(worker: worker, experiment: benchExperiment, leaseSeconds: 600,
                                              now: Store.now()) else { return false }
            try queue.complete(claim, outcome: .succeeded, metrics: [], now: Store.now())
            return true
        }
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

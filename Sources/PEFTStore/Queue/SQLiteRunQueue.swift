import Foundation
import GRDB

/// `RunQueue` on the PEFTLab SQLite file: `runs`, `leases` and `attempts`, one IMMEDIATE transaction per call.
public struct SQLiteRunQueue: RunQueue {
    public let store: Store

    public init(store: Store) { self.store = store }

    public func claim(worker: WorkerIdentity, experiment: String?, leaseSeconds: Double, now: Double) throws -> Claim? {
        try store.write { db in
            try Self.expireLeases(db, now: now)
            let row: Row?
            if let experiment {
                row = try Row.fetchOne(db, sql: """
                    SELECT r.id, r.config_json FROM runs r JOIN experiments e ON e.id = r.experiment_id
                    WHERE r.state = 'queued' AND e.name = ? ORDER BY r.id LIMIT 1
                    """, arguments: [experiment])
            } else {
                row = try Row.fetchOne(db, sql: "SELECT id, config_json FROM runs WHERE state = 'queued' ORDER BY id LIMIT 1")
            }
            guard let row else { return nil }
            let runID: Int64 = row["id"]
            // The attempt number counts every claim (history); runs.attempts counts those that use up one of
            // max_attempts (a graceful release gives its claim back).
            let attempt = try Int.fetchOne(db, sql: "SELECT COALESCE(MAX(attempt), 0) + 1 FROM attempts WHERE run_id = ?",
                                           arguments: [runID]) ?? 1
            let expires = now + leaseSeconds
            try db.execute(sql: """
                UPDATE runs SET state = 'running', attempts = attempts + 1, started_at = COALESCE(started_at, ?)
                WHERE id = ?
                """, arguments: [now, runID])
            try db.execute(sql: """
                INSERT INTO leases (run_id, worker_id, host, pid, attempt, claimed_at, heartbeat_at, expires_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [runID, worker.id, worker.host, worker.pid, attempt, now, now, expires])
            try db.execute(sql: """
                INSERT INTO attempts (run_id, attempt, worker_id, host, pid, started_at) VALUES (?, ?, ?, ?, ?, ?)
                """, arguments: [runID, attempt, worker.id, worker.host, worker.pid, now])
            return Claim(runID: runID, attempt: attempt, worker: worker, configJSON: row["config_json"], expiresAt: expires)
        }
    }

    public func heartbeat(_ claim: Claim, leaseSeconds: Double, now: Double) throws -> Bool {
        try store.write { db in
            try db.execute(sql: """
                UPDATE leases SET heartbeat_at = ?, expires_at = ? WHERE run_id = ? AND worker_id = ? AND attempt = ?
                """, arguments: [now, now + leaseSeconds, claim.runID, claim.worker.id, claim.attempt])
            return db.changesCount == 1
        }
    }

    public func complete(_ claim: Claim, outcome: RunOutcome, metrics: [MetricRow], now: Double) throws {
        try store.write { db in
            try Self.dropLease(db, claim)
            try MetricRow.insert(metrics, in: db)
            let runID = claim.runID
            switch outcome {
            case .succeeded:
                try db.execute(sql: "UPDATE runs SET state = 'succeeded', error = NULL, finished_at = ? WHERE id = ?",
                               arguments: [now, runID])
                try Self.endAttempt(db, claim, outcome: "succeeded", error: nil, now: now)
            case .failed(let message, let permanent):
                try db.execute(sql: """
                    UPDATE runs SET error = ?,
                        state = CASE WHEN ? OR attempts >= max_attempts THEN 'failed' ELSE 'queued' END,
                        finished_at = CASE WHEN ? OR attempts >= max_attempts THEN ? END
                    WHERE id = ?
                    """, arguments: [message, permanent, permanent, now, runID])
                try Self.endAttempt(db, claim, outcome: "failed", error: message, now: now)
                try Event.record(db, runID: runID, level: .error, kind: "attempt-failed",
                                 message: "attempt \(claim.attempt) failed\(permanent ? " (not retried)" : ""): \(message)",
                                 now: now)
            case .cancelled:
                try db.execute(sql: "UPDATE runs SET state = 'cancelled', finished_at = ? WHERE id = ?",
                               arguments: [now, runID])
                try Self.endAttempt(db, claim, outcome: "cancelled", error: nil, now: now)
            }
        }
    }

    public func release(_ claim: Claim, now: Double) throws {
        try store.write { db in
            try Self.dropLease(db, claim)
            // A released attempt was not the run's fault: it does not use up one of max_attempts.
            try db.execute(sql: """
                UPDATE runs SET state = CASE WHEN state = 'running' THEN 'queued' ELSE state END,
                    attempts = attempts - 1 WHERE id = ?
                """, arguments: [claim.runID])
            try Self.endAttempt(db, claim, outcome: "released", error: nil, now: now)
        }
    }

    /// Throws `QueueError.leaseLost` unless `claim` still holds its run's lease. Call it inside every write
    /// transaction that records something for a claimed run.
    public static func requireLease(_ db: Database, _ claim: Claim) throws {
        let held = try Bool.fetchOne(db, sql: """
            SELECT EXISTS (SELECT 1 FROM leases WHERE run_id = ? AND worker_id = ? AND attempt = ?)
            """, arguments: [claim.runID, claim.worker.id, claim.attempt]) ?? false
        if !held { throw QueueError.leaseLost(runID: claim.runID, worker: claim.worker.id) }
    }

    /// Re-queues (or fails, when out of attempts) every run whose lease expired before `now`.
    static func expireLeases(_ db: Database, now: Double) throws {
        let expired = try Row.fetchAll(db, sql: "SELECT run_id, attempt, worker_id FROM leases WHERE expires_at < ?",
                                       arguments: [now])
        for lease in expired {
            let runID: Int64 = lease["run_id"]
            let attempt: Int = lease["attempt"]
            let worker: String = lease["worker_id"]
            try db.execute(sql: "DELETE FROM leases WHERE run_id = ?", arguments: [runID])
            try db.execute(sql: """
                UPDATE runs SET
                    state = CASE WHEN state != 'running' THEN state
                                 WHEN attempts >= max_attempts THEN 'failed' ELSE 'queued' END,
                    error = CASE WHEN attempts >= max_attempts
                                 THEN 'lease expired on attempt ' || attempts || ' of ' || max_attempts ELSE error END,
                    finished_at = CASE WHEN state = 'running' AND attempts >= max_attempts THEN ? ELSE finished_at END
                WHERE id = ?
                """, arguments: [now, runID])
            try db.execute(sql: "UPDATE attempts SET ended_at = ?, outcome = 'expired' WHERE run_id = ? AND attempt = ?",
                           arguments: [now, runID, attempt])
            try Event.record(db, runID: runID, level: .warning, kind: "lease-expired",
                             message: "lease of worker \(worker) on attempt \(attempt) expired", now: now)
        }
    }

    private static func dropLease(_ db: Database, _ claim: Claim) throws {
        try requireLease(db, claim)
        try db.execute(sql: "DELETE FROM leases WHERE run_id = ?", arguments: [claim.runID])
    }

    private static func endAttempt(_ db: Database, _ claim: Claim, outcome: String, error: String?, now: Double) throws {
        try db.execute(sql: """
            UPDATE attempts SET ended_at = ?, outcome = ?, error = ? WHERE run_id = ? AND attempt = ?
            """, arguments: [now, outcome, error, claim.runID, claim.attempt])
    }
}

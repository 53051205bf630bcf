import Foundation
import GRDB

/// `RunQueue` on the PEFTLab SQLite file: `runs`, `leases` and `attempts`, one IMMEDIATE transaction per call.
public struct SQLiteRunQueue: RunQueue {
    public let store: Store

    public init(store: Store) { self.store = store }

    public func claim(worker: WorkerIdentity, experiment: String?, leaseSeconds: Double, now: Double) throws -> Claim? {
        try store.grdbWrite { db in
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

    public func heartbeat(_ claim: Claim, leaseSeconds: Double, step: Int?, now: Double) throws -> Bool {
        try store.grdbWrite { db in
            try db.execute(sql: """
                UPDATE leases SET heartbeat_at = ?, expires_at = ?, step = COALESCE(?, step)
                WHERE run_id = ? AND worker_id = ? AND attempt = ?
                """, arguments: [now, now + leaseSeconds, step, claim.runID, claim.worker.id, claim.attempt])
            return db.changesCount == 1
        }
    }

    public func complete(_ claim: Claim, outcome: RunOutcome, metrics: [MetricRow], now: Double) throws {
        try store.grdbWrite { db in
            try Self.dropLease(db, claim)
            try MetricRow.insert(metrics, in: db.storeTransaction)
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
                try Event.record(db.storeTransaction, runID: runID, level: .error, kind: "attempt-failed",
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
        try store.grdbWrite { db in
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

    /// Re-queues every run whose lease expired before `now`. An expiry (the worker was killed, pre-empted or lost
    /// contact) is not the run's fault: it gives back its attempt and counts in `expiries` instead, with its own
    /// limit `max_expiries`. A run whose workers died at the same step `max_same_step` times in a row is failed:
    /// it is the run that kills them (a crash no error handler sees), and it would take down every next worker.
    static func expireLeases(_ db: Database, now: Double) throws {
        let expired = try Row.fetchAll(db, sql: """
            SELECT l.run_id, l.attempt, l.worker_id, MAX(COALESCE(l.step, 0), r.step) AS step, r.expiry_step,
                   r.same_step_expiries, r.expiries, r.max_expiries, r.max_same_step, r.state
            FROM leases l JOIN runs r ON r.id = l.run_id WHERE l.expires_at < ?
            """, arguments: [now])
        for lease in expired {
            let runID: Int64 = lease["run_id"]
            let attempt: Int = lease["attempt"]
            let worker: String = lease["worker_id"]
            let step: Int = lease["step"]
            let sameStep = (lease["expiry_step"] as Int?) == step ? (lease["same_step_expiries"] as Int) + 1 : 1
            let expiries = (lease["expiries"] as Int) + 1
            var failure: String?
            if sameStep >= lease["max_same_step"] as Int {
                failure = "its worker died at step \(step) on \(sameStep) attempts in a row (killed by the run itself, e.g. a crash "
                    + "in its data or config; see the workers' stderr)"
            } else if expiries >= lease["max_expiries"] as Int {
                failure = "its lease expired \(expiries) times (max_expiries); workers keep dying or losing contact"
            }
            let running = (lease["state"] as String) == "running"
            try db.execute(sql: "DELETE FROM leases WHERE run_id = ?", arguments: [runID])
            try db.execute(sql: """
                UPDATE runs SET attempts = MAX(attempts - 1, 0), expiries = ?, expiry_step = ?, same_step_expiries = ?,
                    state = CASE WHEN state != 'running' THEN state WHEN ? IS NOT NULL THEN 'failed' ELSE 'queued' END,
                    error = COALESCE(?, error),
                    finished_at = CASE WHEN state = 'running' AND ? IS NOT NULL THEN ? ELSE finished_at END
                WHERE id = ?
                """, arguments: [expiries, step, sameStep, failure, failure, failure, now, runID])
            try db.execute(sql: "UPDATE attempts SET ended_at = ?, outcome = 'expired', error = ? WHERE run_id = ? AND attempt = ?",
                           arguments: [now, "lease expired at step \(step)", runID, attempt])
            try Event.record(db.storeTransaction, runID: runID, level: running && failure != nil ? .error : .warning, kind: "lease-expired",
                             message: "lease of worker \(worker) on attempt \(attempt) expired at step \(step)"
                                 + (failure.map { "; run failed: \($0)" } ?? ""), now: now)
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

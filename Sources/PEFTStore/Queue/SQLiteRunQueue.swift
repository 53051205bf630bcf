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
                    SELECT r.id, r.attempts, r.config_json FROM runs r JOIN experiments e ON e.id = r.experiment_id
                    WHERE r.state = 'queued' AND e.name = ? ORDER BY r.id LIMIT 1
                    """, arguments: [experiment])
            } else {
                row = try Row.fetchOne(db, sql: """
                    SELECT id, attempts, config_json FROM runs WHERE state = 'queued' ORDER BY id LIMIT 1
                    """)
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
            return Claim(runID: runID, attempt: attempt, configJSON: row["config_json"], expiresAt: expires)
        }
    }

    public func heartbeat(runID: Int64, worker: WorkerIdentity, leaseSeconds: Double, now: Double) throws -> Bool {
        try store.write { db in
            try db.execute(sql: """
                UPDATE leases SET heartbeat_at = ?, expires_at = ? WHERE run_id = ? AND worker_id = ?
                """, arguments: [now, now + leaseSeconds, runID, worker.id])
            return db.changesCount == 1
        }
    }

    public func complete(runID: Int64, worker: WorkerIdentity, outcome: RunOutcome, now: Double) throws {
        try store.write { db in
            let attempt = try Self.dropLease(db, runID: runID, worker: worker)
            switch outcome {
            case .succeeded:
                try db.execute(sql: "UPDATE runs SET state = 'succeeded', error = NULL, finished_at = ? WHERE id = ?",
                               arguments: [now, runID])
                try Self.endAttempt(db, runID: runID, attempt: attempt, outcome: "succeeded", error: nil, now: now)
            case .failed(let message):
                try db.execute(sql: """
                    UPDATE runs SET error = ?,
                        state = CASE WHEN attempts >= max_attempts THEN 'failed' ELSE 'queued' END,
                        finished_at = CASE WHEN attempts >= max_attempts THEN ? END
                    WHERE id = ?
                    """, arguments: [message, now, runID])
                try Self.endAttempt(db, runID: runID, attempt: attempt, outcome: "failed", error: message, now: now)
                try Event.record(db, runID: runID, level: .error, kind: "attempt-failed",
                                 message: "attempt \(attempt) failed: \(message)", now: now)
            case .cancelled:
                try db.execute(sql: "UPDATE runs SET state = 'cancelled', finished_at = ? WHERE id = ?",
                               arguments: [now, runID])
                try Self.endAttempt(db, runID: runID, attempt: attempt, outcome: "cancelled", error: nil, now: now)
            }
        }
    }

    public func release(runID: Int64, worker: WorkerIdentity, now: Double) throws {
        try store.write { db in
            let attempt = try Self.dropLease(db, runID: runID, worker: worker)
            // A released attempt was not the run's fault: it does not use up one of max_attempts.
            try db.execute(sql: """
                UPDATE runs SET state = CASE WHEN state = 'running' THEN 'queued' ELSE state END,
                    attempts = attempts - 1 WHERE id = ?
                """, arguments: [runID])
            try Self.endAttempt(db, runID: runID, attempt: attempt, outcome: "released", error: nil, now: now)
        }
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
            try endAttempt(db, runID: runID, attempt: attempt, outcome: "expired", error: nil, now: now)
            try Event.record(db, runID: runID, level: .warning, kind: "lease-expired",
                             message: "lease of worker \(worker) on attempt \(attempt) expired", now: now)
        }
    }

    /// Deletes the worker's lease on the run and returns its attempt number.
    private static func dropLease(_ db: Database, runID: Int64, worker: WorkerIdentity) throws -> Int {
        guard let attempt = try Int.fetchOne(db, sql: "SELECT attempt FROM leases WHERE run_id = ? AND worker_id = ?",
                                             arguments: [runID, worker.id]) else {
            throw QueueError.leaseLost(runID: runID, worker: worker.id)
        }
        try db.execute(sql: "DELETE FROM leases WHERE run_id = ?", arguments: [runID])
        return attempt
    }

    private static func endAttempt(_ db: Database, runID: Int64, attempt: Int, outcome: String, error: String?,
                                   now: Double) throws {
        try db.execute(sql: """
            UPDATE attempts SET ended_at = ?, outcome = ?, error = ? WHERE run_id = ? AND attempt = ?
            """, arguments: [now, outcome, error, runID, attempt])
    }
}

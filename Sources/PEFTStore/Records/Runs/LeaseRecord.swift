/// A row of `leases`: the one claim (run, worker, attempt) allowed to train a run until `expiresAt`.
public struct LeaseRecord: Sendable, Equatable {
    public var runID: Int64
    public var workerID: String
    public var host: String
    public var pid: Int
    public var attempt: Int
    public var claimedAt: Double
    public var heartbeatAt: Double
    public var expiresAt: Double
    /// The training step the worker last reported.
    public var step: Int?

    /// The lease a claim made at `now`.
    public init(claim: Claim, now: Double) {
        runID = claim.runID
        workerID = claim.worker.id
        host = claim.worker.host
        pid = claim.worker.pid
        attempt = claim.attempt
        claimedAt = now
        heartbeatAt = now
        expiresAt = claim.expiresAt
        step = nil
    }

    /// Reads a `SELECT * FROM leases` row.
    public init(row: SQLRow) throws {
        runID = try row["run_id"]
        workerID = try row["worker_id"]
        host = try row["host"]
        pid = try row["pid"]
        attempt = try row["attempt"]
        claimedAt = try row["claimed_at"]
        heartbeatAt = try row["heartbeat_at"]
        expiresAt = try row["expires_at"]
        step = try row["step"]
    }

    /// Inserts this lease.
    public func insert(in tx: any StoreTransaction) throws {
        try tx.execute("""
            INSERT INTO leases (run_id, worker_id, host, pid, attempt, claimed_at, heartbeat_at, expires_at, step)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, [runID, workerID, host, pid, attempt, claimedAt, heartbeatAt, expiresAt, step])
    }

    /// Throws `QueueError.leaseLost` unless `claim` still holds its run's lease. The lease row stays locked until
    /// the transaction ends (`FOR UPDATE` on PostgreSQL; SQLite's writer holds the whole file), so no expiry or
    /// cancel can delete it under a transaction that is recording for the claim.
    public static func require(_ claim: Claim, in tx: any StoreTransaction) throws {
        let held = try tx.value(Int64.self, """
            SELECT run_id FROM leases WHERE run_id = ? AND worker_id = ? AND attempt = ?\(tx.dialect.forUpdate)
            """, [claim.runID, claim.worker.id, claim.attempt])
        if held == nil { throw QueueError.leaseLost(runID: claim.runID, worker: claim.worker.id) }
    }

    /// Extends the claim's lease to `expiresAt` (and records `step`, when given); false when it no longer holds one.
    public static func renew(_ claim: Claim, now: Double, expiresAt: Double, step: Int?,
                             in tx: any StoreTransaction) throws -> Bool {
        let changed: Int
        if let step {
            changed = try tx.execute("""
                UPDATE leases SET heartbeat_at = ?, expires_at = ?, step = ? WHERE run_id = ? AND worker_id = ? AND attempt = ?
                """, [now, expiresAt, step, claim.runID, claim.worker.id, claim.attempt])
        } else {
            changed = try tx.execute("""
                UPDATE leases SET heartbeat_at = ?, expires_at = ? WHERE run_id = ? AND worker_id = ? AND attempt = ?
                """, [now, expiresAt, claim.runID, claim.worker.id, claim.attempt])
        }
        return changed == 1
    }

    /// The leases that expired before `now`, by run id, locked for the expiring transaction; on PostgreSQL a
    /// lease a recording transaction holds is skipped (it is handled by the next claim, after that commits).
    public static func expired(before now: Double, in tx: any StoreTransaction) throws -> [LeaseRecord] {
        try tx.rows("SELECT * FROM leases WHERE expires_at < ? ORDER BY run_id\(tx.dialect.skipLocked())", [now])
            .map(LeaseRecord.init)
    }

    /// Deletes the lease on a run, whoever holds it.
    public static func delete(runID: Int64, in tx: any StoreTransaction) throws {
        try tx.execute("DELETE FROM leases WHERE run_id = ?", [runID])
    }

    /// How many leases are held.
    public static func count(in tx: any StoreTransaction) throws -> Int {
        try tx.value(Int.self, "SELECT COUNT(*) FROM leases") ?? 0
    }
}

/// A row of `attempts`: one claim of a run, kept after it ends (who worked on it, when, and how it ended).
public struct AttemptRecord: Sendable, Equatable {
    /// How an attempt ended (`attempts.outcome`).
    public enum Outcome: String, Sendable, Equatable, CaseIterable {
        case succeeded, failed, released, expired, cancelled
    }

    public var runID: Int64
    /// 1, 2, … in claim order.
    public var attempt: Int
    public var workerID: String
    public var host: String
    public var pid: Int
    public var startedAt: Double
    public var endedAt: Double?
    /// Nil while the attempt runs.
    public var outcome: Outcome?
    public var error: String?

    /// Reads a `SELECT * FROM attempts` row.
    public init(row: SQLRow) throws {
        runID = try row["run_id"]
        attempt = try row["attempt"]
        workerID = try row["worker_id"]
        host = try row["host"]
        pid = try row["pid"]
        startedAt = try row["started_at"]
        endedAt = try row["ended_at"]
        let outcomeName: String? = try row["outcome"]
        if let outcomeName {
            guard let outcome = Outcome(rawValue: outcomeName) else {
                throw StoreError.corruptRow(table: "attempts", detail: "outcome '\(outcomeName)' is not an attempt outcome")
            }
            self.outcome = outcome
        } else {
            outcome = nil
        }
        error = try row["error"]
    }

    /// The number the next claim of a run gets: one more than every earlier claim's (a history, so a released
    /// claim's number is not reused).
    public static func next(runID: Int64, in tx: any StoreTransaction) throws -> Int {
        try tx.value(Int.self, "SELECT COALESCE(MAX(attempt), 0) + 1 FROM attempts WHERE run_id = ?", [runID]) ?? 1
    }

    /// Records that `claim` started at `now`.
    public static func start(_ claim: Claim, now: Double, in tx: any StoreTransaction) throws {
        try tx.execute("INSERT INTO attempts (run_id, attempt, worker_id, host, pid, started_at) VALUES (?, ?, ?, ?, ?, ?)",
                       [claim.runID, claim.attempt, claim.worker.id, claim.worker.host, claim.worker.pid, now])
    }

    /// Records how attempt `attempt` of a run ended.
    public static func end(runID: Int64, attempt: Int, outcome: Outcome, error: String?, now: Double,
                           in tx: any StoreTransaction) throws {
        try tx.execute("UPDATE attempts SET ended_at = ?, outcome = ?, error = ? WHERE run_id = ? AND attempt = ?",
                       [now, outcome.rawValue, error, runID, attempt])
    }

    /// Ends every attempt of a run that is still open as cancelled.
    public static func cancelOpen(runID: Int64, now: Double, in tx: any StoreTransaction) throws {
        try tx.execute("UPDATE attempts SET outcome = 'cancelled', ended_at = ? WHERE run_id = ? AND ended_at IS NULL",
                       [now, runID])
    }

    /// Every attempt of a run, in claim order.
    public static func all(runID: Int64, in tx: any StoreTransaction) throws -> [AttemptRecord] {
        try tx.rows("SELECT * FROM attempts WHERE run_id = ? ORDER BY attempt", [runID]).map(AttemptRecord.init)
    }
}

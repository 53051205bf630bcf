/// One experiment's runs counted by state (the `run_states` view), with what `peftlab status` needs for an ETA:
/// the step rate measured on its succeeded runs and the steps its queued and running runs have left.
public struct RunStateCounts: Sendable, Equatable {
    public var experiment: String
    public var queued: Int
    public var running: Int
    public var succeeded: Int
    public var failed: Int
    public var cancelled: Int
    public var total: Int
    /// Training steps per second of one run, over the succeeded runs of known length; nil until one has finished.
    public var stepsPerSecond: Double?
    /// Steps left in the queued and running runs (a run of unknown length counts as the experiment's average);
    /// 0 when none is queued or running, nil when no run's length is known.
    public var stepsLeft: Double?

    /// Reads a row of `all`'s query. An experiment without runs counts 0 in every state.
    public init(row: SQLRow) throws {
        experiment = try row["experiment"]
        queued = try row["queued"] as Int? ?? 0
        running = try row["running"] as Int? ?? 0
        succeeded = try row["succeeded"] as Int? ?? 0
        failed = try row["failed"] as Int? ?? 0
        cancelled = try row["cancelled"] as Int? ?? 0
        total = try row["total"]
        stepsPerSecond = try row["steps_per_second"]
        stepsLeft = try row["steps_left"]
    }

    /// Every experiment's counts, ordered by experiment name.
    public static func all(in tx: any StoreTransaction) throws -> [RunStateCounts] {
        try tx.rows("""
            SELECT s.experiment, s.queued, s.running, s.succeeded, s.failed, s.cancelled, s.total,
                   (SELECT CAST(SUM(r.total_steps) * 1.0 / NULLIF(SUM(r.finished_at - r.started_at), 0) AS DOUBLE PRECISION)
                      FROM runs r JOIN experiments e ON e.id = r.experiment_id
                     WHERE e.name = s.experiment AND r.state = 'succeeded' AND r.total_steps IS NOT NULL) AS steps_per_second,
                   (SELECT CAST(CASE WHEN COUNT(*) = 0 THEN 0 ELSE SUM(COALESCE(r.total_steps,
                                (SELECT AVG(r2.total_steps) FROM runs r2 WHERE r2.experiment_id = r.experiment_id)) - r.step) END
                           AS DOUBLE PRECISION)
                      FROM runs r JOIN experiments e ON e.id = r.experiment_id
                     WHERE e.name = s.experiment AND r.state IN ('queued', 'running')) AS steps_left
            FROM run_states s ORDER BY s.experiment
            """).map(RunStateCounts.init)
    }
}

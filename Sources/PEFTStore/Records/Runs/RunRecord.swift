/// A row of `runs`: one distinct configuration to train (unique by `config_hash`), its place in the queue, its
/// limits and how far it got.
///
/// The queue's state changes (`markRunning`, `finish`, `requeue` …) are written here, one statement each;
/// `StoreRunQueue` and `RunControl` decide which to make inside their transactions.
public struct RunRecord: Sendable, Equatable {
    /// Where a run is in its life (`runs.state`).
    public enum State: String, Sendable, Equatable, CaseIterable {
        case queued, running, succeeded, failed, cancelled
    }

    /// How many times a run may fail, expire, or die at one step before it is failed for good.
    public struct Limits: Sendable, Equatable {
        /// Claims that end in the run's own error.
        public var maxAttempts: Int
        /// Leases that expire (worker killed or cut off).
        public var maxExpiries: Int
        /// Consecutive expiries at the same step.
        public var maxSameStep: Int

        public init(maxAttempts: Int, maxExpiries: Int, maxSameStep: Int) {
            self.maxAttempts = maxAttempts
            self.maxExpiries = maxExpiries
            self.maxSameStep = maxSameStep
        }
    }

    /// A run's planned length and parameter counts, recorded when a worker starts training it.
    public struct Size: Sendable, Equatable {
        public var totalSteps: Int
        public var methodParams: Int
        public var headParams: Int
        public var trainableParams: Int
        public var totalParams: Int

        public init(totalSteps: Int, methodParams: Int, headParams: Int, trainableParams: Int, totalParams: Int) {
            self.totalSteps = totalSteps
            self.methodParams = methodParams
            self.headParams = headParams
            self.trainableParams = trainableParams
            self.totalParams = totalParams
        }
    }

    public var id: Int64
    public var experimentID: Int64
    public var configHash: String
    public var configJSON: String
    public var gridJSON: String
    public var method: String
    public var seed: Int
    public var state: State
    /// Claims that used up one of `maxAttempts` (or are still running).
    public var attempts: Int
    public var limits: Limits
    /// The last checkpointed step.
    public var step: Int
    public var totalSteps: Int?
    public var expiries: Int
    /// The step its worker had reached at the last expiry, and how many expiries in a row happened there.
    public var expiryStep: Int?
    public var sameStepExpiries: Int
    public var error: String?
    public var queuedAt: Double
    public var startedAt: Double?
    public var finishedAt: Double?

    /// Reads a `SELECT * FROM runs` row.
    public init(row: SQLRow) throws {
        id = try row["id"]
        experimentID = try row["experiment_id"]
        configHash = try row["config_hash"]
        configJSON = try row["config_json"]
        gridJSON = try row["grid_json"]
        method = try row["method"]
        seed = try row["seed"]
        let stateName: String = try row["state"]
        guard let state = State(rawValue: stateName) else {
            throw StoreError.corruptRow(table: "runs", detail: "state '\(stateName)' is not a run state")
        }
        self.state = state
        attempts = try row["attempts"]
        limits = Limits(maxAttempts: try row["max_attempts"], maxExpiries: try row["max_expiries"],
                        maxSameStep: try row["max_same_step"])
        step = try row["step"]
        totalSteps = try row["total_steps"]
        expiries = try row["expiries"]
        expiryStep = try row["expiry_step"]
        sameStepExpiries = try row["same_step_expiries"]
        error = try row["error"]
        queuedAt = try row["queued_at"]
        startedAt = try row["started_at"]
        finishedAt = try row["finished_at"]
    }

    // MARK: Reading

    /// The run with this id, if any.
    public static func fetch(id: Int64, in tx: any StoreTransaction) throws -> RunRecord? {
        try tx.row("SELECT * FROM runs WHERE id = ?", [id]).map(RunRecord.init)
    }

    /// The state of a run, or nil when there is no such run.
    public static func state(id: Int64, in tx: any StoreTransaction) throws -> State? {
        try fetch(id: id, in: tx)?.state
    }

    /// Whether a run of this config hash exists (in any experiment).
    public static func exists(configHash: String, in tx: any StoreTransaction) throws -> Bool {
        try tx.value(Int64.self, "SELECT id FROM runs WHERE config_hash = ?", [configHash]) != nil
    }

    /// The oldest queued run (of the experiment named, if one), locked for the claiming transaction: on PostgreSQL
    /// a run another claimer holds is skipped rather than waited for.
    public static func oldestQueued(experiment: String?, in tx: any StoreTransaction) throws -> RunRecord? {
        let lock = tx.dialect.skipLocked(of: "r")
        if let experiment {
            return try tx.row("""
                SELECT r.* FROM runs r JOIN experiments e ON e.id = r.experiment_id
                WHERE r.state = 'queued' AND e.name = ? ORDER BY r.id LIMIT 1\(lock)
                """, [experiment]).map(RunRecord.init)
        }
        return try tx.row("SELECT r.* FROM runs r WHERE r.state = 'queued' ORDER BY r.id LIMIT 1\(lock)")
            .map(RunRecord.init)
    }

    /// How many runs (of the experiment named, if one) are queued or running.
    public static func unfinishedCount(experiment: String?, in tx: any StoreTransaction) throws -> Int {
        if let experiment {
            return try tx.value(Int.self, """
                SELECT COUNT(*) FROM runs r JOIN experiments e ON e.id = r.experiment_id
                WHERE r.state IN ('queued', 'running') AND e.name = ?
                """, [experiment]) ?? 0
        }
        return try tx.value(Int.self, "SELECT COUNT(*) FROM runs WHERE state IN ('queued', 'running')") ?? 0
    }

    /// The newest run of an experiment, if it has any.
    public static func latest(experiment: String, in tx: any StoreTransaction) throws -> RunRecord? {
        try tx.row("""
            SELECT r.* FROM runs r JOIN experiments e ON e.id = r.experiment_id WHERE e.name = ? ORDER BY r.id DESC LIMIT 1
            """, [experiment]).map(RunRecord.init)
    }

    /// The ids of an experiment's runs in one of `states`, in id order.
    public static func ids(experiment: String, states: [State], in tx: any StoreTransaction) throws -> [Int64] {
        guard !states.isEmpty else { return [] }
        return try tx.rows("""
            SELECT r.id FROM runs r JOIN experiments e ON e.id = r.experiment_id
            WHERE e.name = ? AND r.state IN (\(SQLArguments.placeholders(states.count))) ORDER BY r.id
            """, SQLArguments([.text(experiment)] + states.map { .text($0.rawValue) })).map { try $0[0] }
    }

    /// The step a model selection ('best-val' | 'last', the `run_selection` view) picks for a run, if any.
    public static func selectedStep(id: Int64, selection: String, in tx: any StoreTransaction) throws -> Int? {
        try tx.value(Int.self, "SELECT step FROM run_selection WHERE run_id = ? AND selection = ?", [id, selection])
    }

    // MARK: Writing

    /// Queues a run unless one with its config hash exists; returns the new run's id, or nil when it existed.
    /// Without `limits` the schema's defaults apply.
    public static func queue(experimentID: Int64, configHash: String, configJSON: String, gridJSON: String = "{}",
                             method: String, seed: Int, limits: Limits? = nil, queuedAt: Double,
                             in tx: any StoreTransaction) throws -> Int64? {
        var columns = ["experiment_id", "config_hash", "config_json", "grid_json", "method", "seed", "queued_at"]
        var values: [SQLValue] = [.integer(experimentID), .text(configHash), .text(configJSON), .text(gridJSON),
                                  .text(method), .integer(Int64(seed)), .real(queuedAt)]
        if let limits {
            columns += ["max_attempts", "max_expiries", "max_same_step"]
            values += [.integer(Int64(limits.maxAttempts)), .integer(Int64(limits.maxExpiries)),
                       .integer(Int64(limits.maxSameStep))]
        }
        return try tx.value(Int64.self, """
            INSERT INTO runs (\(columns.joined(separator: ", "))) VALUES (\(SQLArguments.placeholders(columns.count)))
            ON CONFLICT (config_hash) DO NOTHING RETURNING id
            """, SQLArguments(values))
    }

    /// A claim starts: the run is running, one more attempt is used, and its first start is kept.
    public static func markRunning(id: Int64, now: Double, in tx: any StoreTransaction) throws {
        try tx.execute("""
            UPDATE runs SET state = 'running', attempts = attempts + 1, started_at = COALESCE(started_at, ?) WHERE id = ?
            """, [now, id])
    }

    /// Records the planned steps and parameter counts of a run.
    public static func setSize(_ size: Size, id: Int64, in tx: any StoreTransaction) throws {
        try tx.execute("""
            UPDATE runs SET total_steps = ?, method_params = ?, head_params = ?, trainable_params = ?, total_params = ?
            WHERE id = ?
            """, [size.totalSteps, size.methodParams, size.headParams, size.trainableParams, size.totalParams, id])
    }

    /// Records the last checkpointed step.
    public static func setStep(_ step: Int, id: Int64, in tx: any StoreTransaction) throws {
        try tx.execute("UPDATE runs SET step = ? WHERE id = ?", [step, id])
    }

    /// Sets a run's state, error and finish time (nil clears them: a run queued again has neither).
    public static func setOutcome(_ state: State, error: String?, finishedAt: Double?, id: Int64,
                                  in tx: any StoreTransaction) throws {
        try tx.execute("UPDATE runs SET state = ?, error = ?, finished_at = ? WHERE id = ?",
                       [state.rawValue, error, finishedAt, id])
    }

    /// Sets a run's state and finish time, keeping its error.
    public static func setState(_ state: State, finishedAt: Double?, id: Int64, in tx: any StoreTransaction) throws {
        try tx.execute("UPDATE runs SET state = ?, finished_at = ? WHERE id = ?", [state.rawValue, finishedAt, id])
    }

    /// A released claim gives back its attempt; a running run is queued again.
    public static func giveBackAttempt(id: Int64, in tx: any StoreTransaction) throws {
        try tx.execute("""
            UPDATE runs SET state = CASE WHEN state = 'running' THEN 'queued' ELSE state END, attempts = attempts - 1
            WHERE id = ?
            """, [id])
    }

    /// Records an expired lease: the attempt is given back, the expiry counted (and where it happened), the state
    /// and error set as the queue decided.
    public static func recordExpiry(id: Int64, expiries: Int, step: Int, sameStepExpiries: Int, state: State,
                                    failure: String?, finishedAt: Double?, in tx: any StoreTransaction) throws {
        let giveBack = tx.dialect.greatest("attempts - 1", "0")
        if let failure {
            try tx.execute("""
                UPDATE runs SET attempts = \(giveBack), expiries = ?, expiry_step = ?, same_step_expiries = ?, state = ?,
                    error = ?, finished_at = ?
                WHERE id = ?
                """, [expiries, step, sameStepExpiries, state.rawValue, failure, finishedAt, id])
        } else {
            try tx.execute("""
                UPDATE runs SET attempts = \(giveBack), expiries = ?, expiry_step = ?, same_step_expiries = ?, state = ?
                WHERE id = ?
                """, [expiries, step, sameStepExpiries, state.rawValue, id])
        }
    }

    /// Queues a run again with its attempts reset; `fromScratch` also resets its step (its checkpoints are gone).
    public static func requeue(id: Int64, fromScratch: Bool, in tx: any StoreTransaction) throws {
        let step = fromScratch ? ", step = 0" : ""
        try tx.execute("""
            UPDATE runs SET state = 'queued', attempts = 0\(step), error = NULL, finished_at = NULL WHERE id = ?
            """, [id])
    }
}

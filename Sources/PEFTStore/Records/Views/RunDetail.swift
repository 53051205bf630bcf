/// One run as `peftlab show` prints it: its row with the experiment's name, every attempt, its checkpoints, a
/// summary of each metric curve and its events.
public struct RunDetail: Sendable, Equatable {
    public var id: Int64
    public var experiment: String
    public var method: String
    public var seed: Int
    public var state: String
    public var attempts: Int
    public var maxAttempts: Int
    /// Last completed training step.
    public var step: Int
    public var totalSteps: Int?
    /// Only the values the grid varied, as JSON.
    public var grid: String
    /// Last error text, for failed runs.
    public var error: String?
    /// The canonical config, as JSON.
    public var config: String
    /// Claims of the run, oldest first.
    public var history: [Attempt]
    /// Checkpoints kept, by step (without their tensors).
    public var checkpoints: [Checkpoint]
    /// One entry per recorded metric curve, by split and name.
    public var metrics: [MetricCurve]
    /// Events of the run, oldest first.
    public var events: [Event]

    /// One claim of the run (`attempts`).
    public struct Attempt: Sendable, Equatable {
        public var attempt: Int
        public var workerID: String
        /// How it ended; nil while it runs.
        public var outcome: String?
        public var error: String?
        /// How long it ran, rounded to 0.01 s; nil while it runs.
        public var seconds: Double?

        public init(row: SQLRow) throws {
            attempt = try row["attempt"]
            workerID = try row["worker_id"]
            outcome = try row["outcome"]
            error = try row["error"]
            let started: Double = try row["started_at"]
            let ended: Double? = try row["ended_at"]
            seconds = ended.map { (($0 - started) * 100).rounded() / 100 }
        }
    }

    /// One checkpoint's position and size (`checkpoints`, without the blobs).
    public struct Checkpoint: Sendable, Equatable {
        public var step: Int
        public var epoch: Int
        /// Batches consumed within the epoch.
        public var cursor: Int
        public var bestMetric: Double?
        public var isBest: Bool
        /// Bytes of parameters and optimizer state.
        public var byteCount: Int

        public init(row: SQLRow) throws {
            step = try row["step"]
            epoch = try row["epoch"]
            cursor = try row["cursor"]
            bestMetric = try row["best_metric"]
            isBest = try row["is_best"]
            byteCount = try row["byte_count"]
        }
    }

    /// One metric curve of the run: how many points, over which steps, its range and its last value.
    public struct MetricCurve: Sendable, Equatable {
        public var split: String
        public var name: String
        public var points: Int
        public var firstStep: Int
        public var lastStep: Int
        public var min: Double
        public var max: Double
        /// The value at `lastStep`.
        public var last: Double

        public init(row: SQLRow) throws {
            split = try row["split"]
            name = try row["name"]
            points = try row["points"]
            firstStep = try row["first_step"]
            lastStep = try row["last_step"]
            min = try row["min_value"]
            max = try row["max_value"]
            last = try row["last_value"]
        }
    }

    /// Reads the run row of `fetch`'s first query; the sections start empty.
    public init(row: SQLRow) throws {
        id = try row["id"]
        experiment = try row["experiment"]
        method = try row["method"]
        seed = try row["seed"]
        state = try row["state"]
        attempts = try row["attempts"]
        maxAttempts = try row["max_attempts"]
        step = try row["step"]
        totalSteps = try row["total_steps"]
        grid = try row["grid_json"]
        error = try row["error"]
        config = try row["config_json"]
        history = []
        checkpoints = []
        metrics = []
        events = []
    }

    /// Run `runID` with its attempts, checkpoints, metric curves and events, or nil when there is no such run.
    public static func fetch(runID: Int64, in tx: any StoreTransaction) throws -> RunDetail? {
        guard let row = try tx.row("""
            SELECT r.id, e.name AS experiment, r.method, r.seed, r.state, r.attempts, r.max_attempts, r.step,
                   r.total_steps, r.grid_json, r.error, r.config_json
            FROM runs r JOIN experiments e ON e.id = r.experiment_id WHERE r.id = ?
            """, [runID]) else { return nil }
        var detail = try RunDetail(row: row)
        detail.history = try tx.rows("""
            SELECT attempt, worker_id, outcome, error, started_at, ended_at FROM attempts WHERE run_id = ? ORDER BY attempt
            """, [runID]).map(Attempt.init)
        detail.checkpoints = try tx.rows("""
            SELECT step, epoch, cursor, best_metric, is_best, byte_count FROM checkpoints WHERE run_id = ? ORDER BY step
            """, [runID]).map(Checkpoint.init)
        detail.metrics = try tx.rows("""
            SELECT split, name, COUNT(*) AS points, MIN(step) AS first_step, MAX(step) AS last_step,
                   MIN(value) AS min_value, MAX(value) AS max_value,
                   (SELECT value FROM metrics m2 WHERE m2.run_id = m.run_id AND m2.split = m.split AND m2.name = m.name
                     ORDER BY step DESC LIMIT 1) AS last_value
            FROM metrics m WHERE run_id = ? GROUP BY run_id, split, name ORDER BY split, name
            """, [runID]).map(MetricCurve.init)
        detail.events = try Event.forRun(tx, runID: runID)
        return detail
    }
}

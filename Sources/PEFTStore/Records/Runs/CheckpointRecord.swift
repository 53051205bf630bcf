import Foundation

/// A row of `checkpoints`: what a run needs to resume exactly where it stopped.
public struct CheckpointRecord: Sendable, Equatable, Codable {
    public var id: Int64?
    public var runID: Int64
    public var step: Int
    public var epoch: Int
    /// Batches consumed within `epoch`.
    public var cursor: Int
    /// safetensors bytes of the trainable tensors.
    public var parameters: Data
    /// Optimizer state (JSON).
    public var optimizer: Data
    /// RNG state (JSON).
    public var rng: String
    public var bestMetric: Double?
    public var isBest: Bool
    public var byteCount: Int
    public var createdAt: Double

    public init(runID: Int64, step: Int, epoch: Int, cursor: Int, parameters: Data, optimizer: Data, rng: String,
                bestMetric: Double?, isBest: Bool, createdAt: Double) {
        self.runID = runID
        self.step = step
        self.epoch = epoch
        self.cursor = cursor
        self.parameters = parameters
        self.optimizer = optimizer
        self.rng = rng
        self.bestMetric = bestMetric
        self.isBest = isBest
        self.byteCount = parameters.count + optimizer.count
        self.createdAt = createdAt
    }

    enum CodingKeys: String, CodingKey {
        case id, step, epoch, cursor, parameters, optimizer, rng
        case runID = "run_id"
        case bestMetric = "best_metric"
        case isBest = "is_best"
        case byteCount = "byte_count"
        case createdAt = "created_at"
    }

    /// Reads a `SELECT * FROM checkpoints` row.
    public init(row: SQLRow) throws {
        id = try row["id"]
        runID = try row["run_id"]
        step = try row["step"]
        epoch = try row["epoch"]
        cursor = try row["cursor"]
        parameters = try row["parameters"]
        optimizer = try row["optimizer"]
        rng = try row["rng"]
        bestMetric = try row["best_metric"]
        isBest = try row["is_best"]
        byteCount = try row["byte_count"]
        createdAt = try row["created_at"]
    }

    /// The newest checkpoint of a run, if any.
    public static func latest(runID: Int64, in tx: any StoreTransaction) throws -> CheckpointRecord? {
        try tx.row("SELECT * FROM checkpoints WHERE run_id = ? ORDER BY step DESC LIMIT 1", [runID])
            .map(CheckpointRecord.init)
    }

    /// The checkpoint marked best, if any.
    public static func best(runID: Int64, in tx: any StoreTransaction) throws -> CheckpointRecord? {
        try tx.row("SELECT * FROM checkpoints WHERE run_id = ? AND is_best = 1", [runID]).map(CheckpointRecord.init)
    }

    /// Deletes every checkpoint of a run (a retry from step 0).
    public static func deleteAll(runID: Int64, in tx: any StoreTransaction) throws {
        try tx.execute("DELETE FROM checkpoints WHERE run_id = ?", [runID])
    }

    /// Inserts this checkpoint (replacing one at the same step), moves the best mark to it when `isBest`,
    /// and deletes all but the newest `keepLast` and the best. Freed pages are reused by later inserts.
    public func insert(keepLast: Int, in tx: any StoreTransaction) throws {
        if isBest {
            try tx.execute("UPDATE checkpoints SET is_best = 0 WHERE run_id = ? AND is_best = 1", [runID])
        }
        try tx.insert(Self.insertion, rows: [[.integer(runID), .integer(Int64(step)), .integer(Int64(epoch)),
                                              .integer(Int64(cursor)), .blob(parameters), .blob(optimizer), .text(rng),
                                              bestMetric.sqlValue, isBest.sqlValue, .integer(Int64(byteCount)),
                                              .real(createdAt)]])
        try tx.execute("""
            DELETE FROM checkpoints WHERE run_id = ? AND is_best = 0 AND step NOT IN
                (SELECT step FROM checkpoints WHERE run_id = ? ORDER BY step DESC LIMIT ?)
            """, [runID, runID, keepLast])
    }

    static let insertion = SQLInsert(
        into: "checkpoints",
        columns: ["run_id", "step", "epoch", "cursor", "parameters", "optimizer", "rng", "best_metric", "is_best",
                  "byte_count", "created_at"],
        conflict: .replace(key: ["run_id", "step"]))
}

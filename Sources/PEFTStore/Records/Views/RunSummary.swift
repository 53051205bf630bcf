/// One run as `peftlab runs` lists it (the `results` view): state, grid values, progress and final metrics.
public struct RunSummary: Sendable, Equatable {
    public var runID: Int64
    public var experiment: String
    public var method: String
    /// Only the values the grid varied, as JSON.
    public var grid: String
    public var seed: Int
    public var state: String
    /// Last completed training step.
    public var steps: Int
    /// Final test and validation metrics, when recorded.
    public var testAccuracy: Double?
    public var testF1: Double?
    public var testMAE: Double?
    public var valLoss: Double?

    /// Reads a row of `all`'s query.
    public init(row: SQLRow) throws {
        runID = try row["run_id"]
        experiment = try row["experiment"]
        method = try row["method"]
        grid = try row["grid"]
        seed = try row["seed"]
        state = try row["state"]
        steps = try row["steps"]
        testAccuracy = try row["test_accuracy"]
        testF1 = try row["test_f1"]
        testMAE = try row["test_mae"]
        valLoss = try row["val_loss"]
    }

    /// The runs of `experiment` in `state` (each filter only when given), by run id.
    public static func all(experiment: String? = nil, state: String? = nil,
                           in tx: any StoreTransaction) throws -> [RunSummary] {
        var conditions: [String] = [], arguments: [SQLValue] = []
        if let experiment { conditions.append("experiment = ?"); arguments.append(.text(experiment)) }
        if let state { conditions.append("state = ?"); arguments.append(.text(state)) }
        return try tx.rows("""
            SELECT run_id, experiment, method, grid, seed, state, steps, test_accuracy, test_f1, test_mae, val_loss
            FROM results \(conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")) ORDER BY run_id
            """, SQLArguments(arguments)).map(RunSummary.init)
    }
}

/// One run as a report reads it: its group (experiment and configuration without the seed), state, parameter
/// counts and timing (`run_timing`).
public struct ReportRun: Sendable, Equatable {
    public var runID: Int64
    public var experiment: String
    public var method: String
    /// Only the values the grid varied (`runs.grid_json`).
    public var gridJSON: String
    /// The canonical config without `seed`: runs with equal values are seeds of one configuration.
    public var configuration: String
    public var configJSON: String
    public var seed: Int
    public var state: String
    public var dataset: String?
    public var task: String?
    public var trainableParams: Int?
    public var totalParams: Int?
    /// Seconds of its finished attempts.
    public var seconds: Double?
    public var examplesPerSecond: Double?

    public init(row: SQLRow) throws {
        runID = try row["run_id"]
        experiment = try row["experiment"]
        method = try row["method"]
        gridJSON = try row["grid_json"]
        configuration = try row["configuration"]
        configJSON = try row["config_json"]
        seed = try row["seed"]
        state = try row["state"]
        dataset = try row["dataset"]
        task = try row["task"]
        trainableParams = try row["trainable_params"]
        totalParams = try row["total_params"]
        seconds = try row["seconds"]
        examplesPerSecond = try row["examples_per_second"]
    }

    /// Every run of `experiments` (all experiments when empty), ordered by experiment, then run id.
    public static func all(experiments: [String], in tx: any StoreTransaction) throws -> [ReportRun] {
        let filter = experiments.isEmpty ? "" : "WHERE e.name IN (\(SQLArguments.placeholders(experiments.count)))"
        let d = tx.dialect
        return try tx.rows("""
            SELECT r.id AS run_id, e.name AS experiment, r.method, r.grid_json,
                   \(d.jsonWithout("r.config_json", key: "seed")) AS configuration,
                   r.config_json, r.seed, r.state, \(d.jsonText("r.config_json", "dataset")) AS dataset,
                   \(d.jsonText("r.config_json", "task")) AS task, r.trainable_params, r.total_params,
                   t.seconds, t.examples_per_second
            FROM runs AS r JOIN experiments AS e ON e.id = r.experiment_id LEFT JOIN run_timing AS t ON t.run_id = r.id
            \(filter) ORDER BY e.id, r.id
            """, SQLArguments(experiments.map(\.sqlValue))).map(ReportRun.init)
    }

    /// The names of experiments that exist, of those asked for.
    public static func experimentNames(in tx: any StoreTransaction) throws -> [String] {
        try tx.rows("SELECT name FROM experiments ORDER BY id").map { try $0[0] }
    }
}

extension MetricRow {
    /// The metrics of `runIDs` on `split` named `names`, ordered by run, name and step (learning curves and
    /// selected values).
    public static func some(runIDs: [Int64], split: String, names: [String], in tx: any StoreTransaction) throws -> [MetricRow] {
        guard !runIDs.isEmpty, !names.isEmpty else { return [] }
        return try tx.rows("""
            SELECT * FROM metrics WHERE run_id IN (\(SQLArguments.placeholders(runIDs.count)))
              AND split = ? AND name IN (\(SQLArguments.placeholders(names.count)))
            ORDER BY run_id, name, step
            """, SQLArguments(runIDs.map(\.sqlValue) + [.text(split)] + names.map(\.sqlValue))).map(MetricRow.init)
    }
}

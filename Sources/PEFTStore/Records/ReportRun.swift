import GRDB

/// One run as a report reads it: its group (experiment and configuration without the seed), state, parameter
/// counts and timing (`run_timing`).
public struct ReportRun: Sendable, Equatable, FetchableRecord {
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

    public init(row: Row) throws {
        runID = row["run_id"]
        experiment = row["experiment"]
        method = row["method"]
        gridJSON = row["grid_json"]
        configuration = row["configuration"]
        configJSON = row["config_json"]
        seed = row["seed"]
        state = row["state"]
        dataset = row["dataset"]
        task = row["task"]
        trainableParams = row["trainable_params"]
        totalParams = row["total_params"]
        seconds = row["seconds"]
        examplesPerSecond = row["examples_per_second"]
    }

    /// Every run of `experiments` (all experiments when empty), ordered by experiment, then run id.
    public static func all(experiments: [String], in db: Database) throws -> [ReportRun] {
        let filter = experiments.isEmpty ? "" : "WHERE e.name IN (\(databaseQuestionMarks(count: experiments.count)))"
        return try ReportRun.fetchAll(db, sql: """
            SELECT r.id AS run_id, e.name AS experiment, r.method, r.grid_json, json_remove(r.config_json, '$.seed') AS configuration,
                   r.config_json, r.seed, r.state, json_extract(r.config_json, '$.dataset') AS dataset,
                   json_extract(r.config_json, '$.task') AS task, r.trainable_params, r.total_params,
                   t.seconds, t.examples_per_second
            FROM runs AS r JOIN experiments AS e ON e.id = r.experiment_id LEFT JOIN run_timing AS t ON t.run_id = r.id
            \(filter) ORDER BY e.id, r.id
            """, arguments: StatementArguments(experiments))
    }

    /// The names of experiments that exist, of those asked for.
    public static func experimentNames(in db: Database) throws -> [String] {
        try String.fetchAll(db, sql: "SELECT name FROM experiments ORDER BY id")
    }
}

/// The step a model selection picks for a run (`run_selection`).
public struct RunSelection: Sendable, Equatable, FetchableRecord {
    public var runID: Int64
    public var step: Int?
    /// Best-val fell back to the last step (no test metrics at the best-validation step).
    public var fallback: Bool

    public init(row: Row) throws {
        runID = row["run_id"]
        step = row["step"]
        fallback = row["fallback"]
    }

    /// The selected step of each run under `selection` ('best-val' | 'last'), by run id.
    public static func steps(selection: String, in db: Database) throws -> [Int64: RunSelection] {
        let rows = try RunSelection.fetchAll(db, sql: "SELECT run_id, step, fallback FROM run_selection WHERE selection = ?",
                                             arguments: [selection])
        return Dictionary(rows.map { ($0.runID, $0) }, uniquingKeysWith: { a, _ in a })
    }
}

extension MetricRow {
    /// The metrics of `runIDs` on `split` named `names`, ordered by run, name and step (learning curves and
    /// selected values).
    public static func some(runIDs: [Int64], split: String, names: [String], in db: Database) throws -> [MetricRow] {
        guard !runIDs.isEmpty, !names.isEmpty else { return [] }
        return try MetricRow.fetchAll(db, sql: """
            SELECT * FROM metrics WHERE run_id IN (\(databaseQuestionMarks(count: runIDs.count)))
              AND split = ? AND name IN (\(databaseQuestionMarks(count: names.count)))
            ORDER BY run_id, name, step
            """, arguments: StatementArguments(runIDs) + [split] + StatementArguments(names))
    }
}

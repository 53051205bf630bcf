/// One row of `metrics`: the value of a named metric of a run at a step, on a split.
public struct MetricRow: Sendable, Equatable, Codable {
    public var runID: Int64
    public var step: Int
    public var split: String
    public var name: String
    public var value: Double

    public init(runID: Int64, step: Int, split: String, name: String, value: Double) {
        self.runID = runID
        self.step = step
        self.split = split
        self.name = name
        self.value = value
    }

    enum CodingKeys: String, CodingKey {
        case step, split, name, value
        case runID = "run_id"
    }

    /// Reads a `SELECT * FROM metrics` row.
    public init(row: SQLRow) throws {
        runID = try row["run_id"]
        step = try row["step"]
        split = try row["split"]
        name = try row["name"]
        value = try row["value"]
    }

    static let insertion = SQLInsert(into: "metrics", columns: ["run_id", "step", "split", "name", "value"],
                                     conflict: .replace(key: ["run_id", "split", "name", "step"]))

    /// Inserts `rows` in the caller's transaction, batched (one prepared statement on SQLite, multi-row INSERTs
    /// on PostgreSQL). A row for an existing (run, split, name, step) replaces it, so a replayed step cannot
    /// duplicate.
    public static func insert(_ rows: [MetricRow], in tx: any StoreTransaction) throws {
        try tx.insert(insertion, rows: rows.map { [.integer($0.runID), .integer(Int64($0.step)), .text($0.split),
                                                    .text($0.name), .real($0.value)] })
    }

    /// Deletes the metrics a run recorded after `step` (used when resuming from the checkpoint at `step`).
    public static func deleteAfter(step: Int, runID: Int64, in tx: any StoreTransaction) throws {
        try tx.execute("DELETE FROM metrics WHERE run_id = ? AND step > ?", [runID, step])
    }

    /// Deletes every metric of a run (a retry from step 0).
    public static func deleteAll(runID: Int64, in tx: any StoreTransaction) throws {
        try tx.execute("DELETE FROM metrics WHERE run_id = ?", [runID])
    }

    /// Deletes a run's metrics named `name` on `split` (figures computed again after training).
    public static func delete(runID: Int64, split: String, name: String, in tx: any StoreTransaction) throws {
        try tx.execute("DELETE FROM metrics WHERE run_id = ? AND split = ? AND name = ?", [runID, split, name])
    }

    /// A run's metrics on `split` at the step `selection` picks ('best-val' | 'last', the `selected_metrics` view),
    /// by name.
    public static func selected(runID: Int64, selection: String, split: String,
                                in tx: any StoreTransaction) throws -> [String: Double] {
        var values: [String: Double] = [:]
        for row in try tx.rows("""
            SELECT name, value FROM selected_metrics WHERE run_id = ? AND selection = ? AND split = ? ORDER BY name
            """, [runID, selection, split]) {
            let name: String = try row["name"]
            values[name] = try row["value"]
        }
        return values
    }

    /// Every metric of a run, ordered by split, name and step.
    public static func all(runID: Int64, in tx: any StoreTransaction) throws -> [MetricRow] {
        try tx.rows("SELECT * FROM metrics WHERE run_id = ? ORDER BY split, name, step", [runID]).map(MetricRow.init)
    }
}

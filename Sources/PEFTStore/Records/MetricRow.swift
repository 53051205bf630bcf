import GRDB

/// One row of `metrics`: the value of a named metric of a run at a step, on a split.
public struct MetricRow: Sendable, Equatable, Codable, FetchableRecord {
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

    /// Inserts `rows` with one prepared statement in the caller's transaction (≈ 10⁵–10⁶ rows/s).
    /// A row for an existing (run, split, name, step) replaces it, so a replayed step cannot duplicate.
    public static func insert(_ rows: [MetricRow], in db: Database) throws {
        guard !rows.isEmpty else { return }
        let statement = try db.cachedStatement(sql: """
            INSERT OR REPLACE INTO metrics (run_id, step, split, name, value) VALUES (?, ?, ?, ?, ?)
            """)
        for row in rows {
            try statement.execute(arguments: [row.runID, row.step, row.split, row.name, row.value])
        }
    }

    /// Deletes the metrics a run recorded after `step` (used when resuming from the checkpoint at `step`).
    public static func deleteAfter(step: Int, runID: Int64, in db: Database) throws {
        try db.execute(sql: "DELETE FROM metrics WHERE run_id = ? AND step > ?", arguments: [runID, step])
    }

    /// Every metric of a run, ordered by split, name and step.
    public static func all(runID: Int64, in db: Database) throws -> [MetricRow] {
        try MetricRow.fetchAll(db, sql: "SELECT * FROM metrics WHERE run_id = ? ORDER BY split, name, step",
                               arguments: [runID])
    }
}

import Foundation

/// A row of `events`: something that happened, for `peftlab show` and post-mortems.
public struct Event: Codable, Sendable, Equatable {
    /// Severity of an event.
    public enum Level: String, Codable, Sendable { case info, warning, error }

    public var id: Int64?
    public var runID: Int64?
    public var level: Level
    public var kind: String
    public var message: String
    public var createdAt: Double

    enum CodingKeys: String, CodingKey {
        case id, level, kind, message
        case runID = "run_id"
        case createdAt = "created_at"
    }

    /// Reads a `SELECT * FROM events` row.
    public init(row: SQLRow) throws {
        id = try row["id"]
        runID = try row["run_id"]
        let levelName: String = try row["level"]
        guard let level = Level(rawValue: levelName) else {
            throw StoreError.corruptRow(table: "events", detail: "level '\(levelName)' is not info, warning or error")
        }
        self.level = level
        kind = try row["kind"]
        message = try row["message"]
        createdAt = try row["created_at"]
    }

    /// Inserts one event in the caller's transaction.
    public static func record(_ tx: any StoreTransaction, runID: Int64?, level: Level, kind: String, message: String,
                              now: Double = Store.now()) throws {
        try tx.execute("INSERT INTO events (run_id, level, kind, message, created_at) VALUES (?, ?, ?, ?, ?)",
                       [runID, level.rawValue, kind, message, now])
    }

    /// Events of one run, oldest first.
    public static func forRun(_ tx: any StoreTransaction, runID: Int64) throws -> [Event] {
        try tx.rows("SELECT * FROM events WHERE run_id = ? ORDER BY id", [runID]).map(Event.init)
    }
}

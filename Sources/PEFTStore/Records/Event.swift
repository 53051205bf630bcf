import Foundation
import GRDB

/// A row of `events`: something that happened, for `peftlab show` and post-mortems.
public struct Event: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "events"

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

    /// Inserts one event in the caller's transaction.
    public static func record(_ db: Database, runID: Int64?, level: Level, kind: String, message: String,
                              now: Double = Store.now()) throws {
        try db.execute(sql: "INSERT INTO events (run_id, level, kind, message, created_at) VALUES (?, ?, ?, ?, ?)",
                       arguments: [runID, level.rawValue, kind, message, now])
    }

    /// Events of one run, oldest first.
    public static func forRun(_ db: Database, runID: Int64) throws -> [Event] {
        try Event.fetchAll(db, sql: "SELECT * FROM events WHERE run_id = ? ORDER BY id", arguments: [runID])
    }
}

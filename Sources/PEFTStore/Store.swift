import Foundation
import GRDB

/// The PEFTLab database: one SQLite file (WAL, foreign keys, busy timeout) holding everything PEFTLab stores.
///
/// Writes go through `write`, which GRDB runs as `BEGIN IMMEDIATE` transactions, so concurrent writers
/// (threads or processes) queue on SQLite's lock instead of failing with SQLITE_BUSY mid-transaction.
public final class Store: Sendable {
    /// The database file's path.
    public let path: String
    /// The GRDB connection pool (one writer, concurrent readers).
    public let pool: DatabasePool

    /// How long a writer waits for another process's lock before giving up.
    public static let busyTimeout: TimeInterval = 60

    /// The default database path: `$PEFTLAB_DB`, else `./peftlab.db`.
    public static var defaultPath: String {
        ProcessInfo.processInfo.environment["PEFTLAB_DB"] ?? "peftlab.db"
    }

    /// Opens (and creates or upgrades, when `create` is true) the database at `path`.
    /// - Throws: `StoreError.missingDatabase` when the file is absent and `create` is false;
    ///   `StoreError.newerSchema`; SQLite errors as `StoreError.sql`.
    public init(path: String, create: Bool = true) throws {
        self.path = path
        if !create && !FileManager.default.fileExists(atPath: path) {
            throw StoreError.missingDatabase(path: path)
        }
        var config = Configuration()
        config.foreignKeysEnabled = true
        config.busyMode = .timeout(Store.busyTimeout)
        config.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
        }
        do {
            pool = try DatabasePool(path: path, configuration: config)
            // Read-only commands should not queue behind a busy writer: write only when the schema needs it.
            let found = try pool.read { db in try Int.fetchOne(db, sql: "PRAGMA user_version") ?? 0 }
            if found != Schema.version {
                try pool.write { db in try Schema.apply(db, path: path) }
            }
        } catch let error as DatabaseError {
            throw StoreError.sql(message: error.message ?? "\(error)", sql: error.sql ?? "")
        }
    }

    /// Runs `body` in one `BEGIN IMMEDIATE` transaction; rolls back if it throws.
    public func write<T>(_ body: (Database) throws -> T) throws -> T {
        try Store.translatingErrors { try pool.write(body) }
    }

    /// Runs `body` on a read-only snapshot.
    public func read<T>(_ body: (Database) throws -> T) throws -> T {
        try Store.translatingErrors { try pool.read(body) }
    }

    /// Turns GRDB's `DatabaseError` into `StoreError.sql`, keeping other errors as they are.
    static func translatingErrors<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as DatabaseError {
            throw StoreError.sql(message: error.message ?? "\(error)", sql: error.sql ?? "")
        }
    }

    /// Current time as stored in the database (Unix seconds).
    public static func now() -> Double { Date().timeIntervalSince1970 }
}

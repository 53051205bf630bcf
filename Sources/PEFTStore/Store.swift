import Foundation
import GRDB

/// The PEFTLab database: one SQLite file (WAL, foreign keys, busy timeout) holding everything PEFTLab stores.
///
/// Writes go through `write`, which GRDB runs as `BEGIN IMMEDIATE` transactions, so concurrent writers
/// (threads or processes) queue on SQLite's lock instead of failing with SQLITE_BUSY mid-transaction.
///
/// A store opened `.readOnly` uses a read-only connection: it never creates, migrates or converts the file, and
/// works on a file this user may not write. Before any connection that may write is opened, the file is inspected
/// read-only (`StoreProbe`), so refusing a newer schema or someone else's SQLite database changes nothing.
public final class Store: Sendable {
    /// How the database is opened.
    public enum Access: Sendable, Equatable {
        /// Read and write; the schema is created or upgraded as needed.
        case readWrite
        /// Read only: nothing is created, upgraded or written, and the file may be read-only for this user.
        case readOnly
    }

    /// The database file's path.
    public let path: String
    /// How it was opened.
    public let access: Access
    /// The GRDB connection(s): a WAL `DatabasePool` when read-write, a read-only `DatabaseQueue` otherwise.
    let database: any DatabaseWriter
    /// Whether anything was written (so `close` knows to checkpoint the WAL).
    let activity = StoreActivity()

    /// How long a writer waits for another process's lock before giving up.
    public static let busyTimeout: TimeInterval = 60

    /// The default database path: `$PEFTLAB_DB`, else `./peftlab.db`.
    public static var defaultPath: String {
        ProcessInfo.processInfo.environment["PEFTLAB_DB"] ?? "peftlab.db"
    }

    /// Opens the database at `path`: read-write (created when absent if `create`, upgraded if older) or read-only.
    /// - Throws: `StoreError.missingDatabase` when there is no PEFTLab database to open; `.notADatabase` for a file
    ///   SQLite cannot read; `.notPEFTLab` for another application's database; `.newerSchema`; `.olderSchema`
    ///   for a read-only open of a database that needs an upgrade; SQLite errors as `StoreError.sql`.
    public init(path: String, create: Bool = true, access: Access = .readWrite) throws {
        self.path = path
        self.access = access
        let finding = try StoreProbe.inspect(path)
        switch finding {
        case .absent:
            if !create || access == .readOnly { throw StoreError.missingDatabase(path: path) }
        case .empty:
            if access == .readOnly { throw StoreError.missingDatabase(path: path) }
        case .foreign:
            throw StoreError.notPEFTLab(path: path)
        case .peftlab(let version):
            if version > Schema.version {
                throw StoreError.newerSchema(path: path, found: version, supported: Schema.version)
            }
            if access == .readOnly && version < Schema.version {
                throw StoreError.olderSchema(path: path, found: version, supported: Schema.version)
            }
        }
        switch access {
        case .readOnly:
            database = try StoreConnection.readOnly(path: path)
        case .readWrite:
            let pool = try StoreConnection.readWrite(path: path)
            database = pool
            if finding != .peftlab(version: Schema.version) {
                activity.noteWrite()
                try Store.translatingErrors(path: path) { try pool.write { db in try Schema.apply(db, path: path) } }
            }
        }
        StoreRegistry.shared.add(self)
    }

    /// Runs `body` in one write transaction (SQLite: `BEGIN IMMEDIATE`); rolls back if it throws.
    public func write<T>(_ body: (any StoreTransaction) throws -> T) throws -> T {
        try grdbWrite { db in try body(SQLiteTransaction(db: db)) }
    }

    /// Runs `body` on a read-only snapshot.
    public func read<T>(_ body: (any StoreTransaction) throws -> T) throws -> T {
        try grdbRead { db in try body(SQLiteTransaction(db: db)) }
    }

    /// The SQL dialect of this store's backend.
    public var dialect: SQLDialect { .sqlite }

    /// `write` on the GRDB connection itself. Transitional (issue 15): callers move to `write`.
    public func grdbWrite<T>(_ body: (Database) throws -> T) throws -> T {
        activity.noteWrite()
        return try Store.translatingErrors(path: path) { try database.write(body) }
    }

    /// `read` on the GRDB connection itself. Transitional (issue 15): callers move to `read`.
    public func grdbRead<T>(_ body: (Database) throws -> T) throws -> T {
        try Store.translatingErrors(path: path) { try database.read(body) }
    }

    /// Turns GRDB's `DatabaseError` into a `StoreError` saying what is wrong, keeping other errors as they are.
    static func translatingErrors<T>(path: String, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as DatabaseError {
            throw StoreConnection.translated(error, path: path)
        }
    }

    /// Current time as stored in the database (Unix seconds).
    public static func now() -> Double { Date().timeIntervalSince1970 }
}

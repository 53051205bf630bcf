import Foundation
import GRDB

/// The PEFTLab database: one SQLite file (WAL, foreign keys, busy timeout) holding everything PEFTLab stores, or a
/// PostgreSQL database that workers on several hosts share (`postgres://user@host:port/db`).
///
/// Every statement runs inside `write` or `read` on a backend-neutral `StoreTransaction`. On SQLite, writes are
/// `BEGIN IMMEDIATE` transactions, so concurrent writers (threads or processes) queue on SQLite's lock instead of
/// failing with SQLITE_BUSY mid-transaction; on PostgreSQL they are SERIALIZABLE and re-run after a conflict.
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

    /// What the store was opened from: the SQLite file's path, or the PostgreSQL URL.
    public let path: String
    /// How it was opened.
    public let access: Access
    /// Where the data lives.
    let backend: Backend
    /// Whether anything was written (so `close` knows to checkpoint the WAL).
    let activity = StoreActivity()

    /// How long a writer waits for another process's lock before giving up.
    public static let busyTimeout: TimeInterval = 60

    /// True when `path` names a PostgreSQL server (`postgres://…`) rather than an SQLite file.
    public static func isServer(_ path: String) -> Bool { PostgresLocator.matches(path) }

    /// The two places a store can live.
    enum Backend {
        /// GRDB connection(s) to an SQLite file: a WAL `DatabasePool` when read-write, a read-only `DatabaseQueue`.
        case sqlite(any DatabaseWriter)
        /// A pool of libpq connections to a PostgreSQL database.
        case postgres(PostgresBackend)
    }

    /// The default database: `$PEFTLAB_DB` (a path or a PostgreSQL URL), else `./peftlab.db`.
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
        if PostgresLocator.matches(path) {
            backend = .postgres(try PostgresBackend(url: path, create: create, access: access))
            StoreRegistry.shared.add(self)
            return
        }
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
            backend = .sqlite(try StoreConnection.readOnly(path: path))
        case .readWrite:
            let pool = try StoreConnection.readWrite(path: path)
            backend = .sqlite(pool)
            if finding != .peftlab(version: Schema.version) {
                activity.noteWrite()
                try Store.translatingErrors(path: path) { try pool.write { db in try Schema.apply(db, path: path) } }
            }
        }
        StoreRegistry.shared.add(self)
    }

    /// Runs `body` in one write transaction (SQLite: `BEGIN IMMEDIATE`; PostgreSQL: SERIALIZABLE, run again after a
    /// conflict, so `body` must only touch the database); rolls back if it throws.
    public func write<T>(_ body: (any StoreTransaction) throws -> T) throws -> T {
        switch backend {
        case .sqlite(let database):
            activity.noteWrite()
            return try Store.translatingErrors(path: path) { try database.write { db in try body(SQLiteTransaction(db: db)) } }
        case .postgres(let server):
            return try server.write(body)
        }
    }

    /// Runs `body` on a read-only snapshot.
    public func read<T>(_ body: (any StoreTransaction) throws -> T) throws -> T {
        switch backend {
        case .sqlite(let database):
            return try Store.translatingErrors(path: path) { try database.read { db in try body(SQLiteTransaction(db: db)) } }
        case .postgres(let server):
            return try server.read(body)
        }
    }

    /// The SQL dialect of this store's backend.
    public var dialect: SQLDialect {
        if case .postgres = backend { return .postgres }
        return .sqlite
    }

    /// What the store is, for messages: the file path, or the PostgreSQL URL without its password.
    public var displayName: String {
        if case .postgres(let server) = backend { return server.server }
        return path
    }

    /// The SQLite connection, or `StoreError.sqliteOnly` naming `operation` on PostgreSQL.
    func sqliteDatabase(for operation: String) throws -> any DatabaseWriter {
        switch backend {
        case .sqlite(let database): return database
        case .postgres(let server): throw StoreError.sqliteOnly(operation: operation, server: server.server)
        }
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

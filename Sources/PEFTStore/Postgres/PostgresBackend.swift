import Foundation

/// A PostgreSQL database as PEFTLab's store: a pool of libpq connections, one lent to each transaction.
///
/// Writes run `SERIALIZABLE`, so concurrent writers on many hosts see the same one-at-a-time semantics SQLite's
/// single writer gives; a transaction the server aborts as a serialisation failure or deadlock is run again (its body
/// must only touch the database). Reads run on a `REPEATABLE READ READ ONLY` snapshot.
final class PostgresBackend: @unchecked Sendable {
    /// The connection URL as given.
    let url: String
    /// The server and database, password removed, for messages.
    let server: String
    private let lock = NSLock()
    private var idle: [PostgresConnection] = []
    /// How often a write aborted by the server for a serialisation conflict is tried before the error is returned.
    static let maxAttempts = 200

    /// Connects (creating the database when `create` and it is absent) and brings the schema up to date (read-write)
    /// or checks it (read-only).
    /// - Throws: `StoreError.missingDatabase`, `.serverUnavailable`, `.notPEFTLab`, `.newerSchema`, `.olderSchema`.
    init(url: String, create: Bool, access: Store.Access) throws {
        self.url = url
        server = PostgresLocator.redacted(url)
        let first: PostgresConnection
        do {
            first = try PostgresConnection(url: url)
        } catch let failure as PostgresFailure where failure.sqlState == "3D000" {
            guard create, access == .readWrite else { throw StoreError.missingDatabase(path: server) }
            try Self.createDatabase(url: url)
            first = try Self.translating(server: server) { try PostgresConnection(url: url) }
        } catch let failure as PostgresFailure {
            throw Self.translated(failure, server: server)
        }
        idle = [first]
        try write { tx in try PostgresSchema.prepare(tx, server: self.server, access: access) }
    }

    /// Runs `body` in one SERIALIZABLE transaction, again after a serialisation conflict; rolls back if it throws.
    func write<T>(_ body: (any StoreTransaction) throws -> T) throws -> T {
        try transaction("BEGIN ISOLATION LEVEL SERIALIZABLE", body)
    }

    /// Runs `body` on a read-only snapshot.
    func read<T>(_ body: (any StoreTransaction) throws -> T) throws -> T {
        try transaction("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", body)
    }

    /// Runs `body` outside any transaction block on one connection (statements that cannot run inside one).
    func withConnection<T>(_ body: (PostgresConnection) throws -> T) throws -> T {
        let connection = try checkOut()
        defer { checkIn(connection) }
        return try Self.translating(server: server) { try body(connection) }
    }

    /// Closes every idle connection.
    func close() {
        lock.withLock { idle.removeAll() }
    }

    private func transaction<T>(_ begin: String, _ body: (any StoreTransaction) throws -> T) throws -> T {
        var attempt = 1
        while true {
            do {
                return try withConnection { connection in
                    try connection.execute(begin, [])
                    do {
                        let result = try body(PostgresTransaction(connection: connection))
                        try connection.execute("COMMIT", [])
                        return result
                    } catch {
                        if connection.isHealthy { _ = try? connection.execute("ROLLBACK", []) }
                        throw error
                    }
                }
            } catch let error as StoreError where error.isRetryableConflict && attempt < Self.maxAttempts {
                // Exponential back-off with full jitter (up to 0.1 s), so contending writers spread out.
                Thread.sleep(forTimeInterval: Double.random(in: 0...min(0.1, 0.001 * pow(2, Double(min(attempt, 10))))))
                attempt += 1
            }
        }
    }

    private func checkOut() throws -> PostgresConnection {
        if let connection = lock.withLock({ idle.popLast() }) { return connection }
        return try Self.translating(server: server) { try PostgresConnection(url: url) }
    }

    private func checkIn(_ connection: PostgresConnection) {
        guard connection.isHealthy else { return }
        lock.withLock { idle.append(connection) }
    }

    /// `CREATE DATABASE` through the server's `postgres` database; a database created meanwhile by another process
    /// is fine.
    private static func createDatabase(url: String) throws {
        let server = PostgresLocator.redacted(url)
        guard let name = PostgresLocator.database(url),
              let maintenance = PostgresLocator.replacingDatabase(of: url, with: "postgres") else {
            throw StoreError.missingDatabase(path: server)
        }
        try translating(server: server) {
            let connection = try PostgresConnection(url: maintenance)
            do {
                try connection.execute("CREATE DATABASE \"\(name.replacingOccurrences(of: "\"", with: "\"\""))\"", [])
            } catch let failure as PostgresFailure where failure.sqlState == "42P04" {
                return
            }
        }
    }

    /// Runs `body`, turning libpq and server errors into `StoreError`s.
    static func translating<T>(server: String, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let failure as PostgresFailure {
            throw translated(failure, server: server)
        }
    }

    /// A server error as the `StoreError` that says what is wrong and what to do.
    static func translated(_ failure: PostgresFailure, server: String) -> StoreError {
        if failure.isConnectionLoss { return .serverUnavailable(server: server, reason: failure.message) }
        switch failure.sqlState {
        case "53100": return .diskFull(path: server)
        case "53200": return .outOfMemory(path: server)
        case "25006": return .writeRefused(sql: failure.sql)
        case "3D000": return .missingDatabase(path: server)
        default: return .sql(message: "\(failure.message) [SQLSTATE \(failure.sqlState)]", sql: failure.sql)
        }
    }
}

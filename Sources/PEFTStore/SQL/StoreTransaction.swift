import Foundation

/// One open transaction on the PEFTLab database, whichever backend holds it.
///
/// Every statement PEFTLab runs goes through this protocol, written once in the SQL both SQLite and PostgreSQL
/// accept (`?` placeholders, `ON CONFLICT … DO …`, `RETURNING`, integers for booleans); the few spellings that
/// differ come from `dialect`. A `Store` opens one per `read` or `write`; it is only valid inside that closure.
public protocol StoreTransaction {
    /// The backend's SQL dialect, for the few statements spelled differently.
    var dialect: SQLDialect { get }
    /// Runs one statement and returns how many rows it changed.
    @discardableResult
    func execute(_ sql: String, _ arguments: SQLArguments) throws -> Int
    /// Runs one query and returns all its rows.
    func rows(_ sql: String, _ arguments: SQLArguments) throws -> [SQLRow]
    /// Runs one query and hands its rows to `body` one at a time (large results without holding them all).
    func forEachRow(_ sql: String, _ arguments: SQLArguments, _ body: (SQLRow) throws -> Void) throws
    /// Inserts many rows into one table: one prepared statement on SQLite, multi-row INSERTs on PostgreSQL.
    func insert(_ insert: SQLInsert, rows: [[SQLValue]]) throws
    /// The database's clock in Unix seconds: the server's on PostgreSQL, so workers on hosts whose clocks
    /// disagree still agree on leases; this machine's on SQLite.
    func databaseNow() throws -> Double
}

extension StoreTransaction {
    /// Runs one statement without arguments.
    @discardableResult
    public func execute(_ sql: String) throws -> Int { try execute(sql, []) }

    /// All rows of a query without arguments.
    public func rows(_ sql: String) throws -> [SQLRow] { try rows(sql, []) }

    /// The first row of a query, if any.
    public func row(_ sql: String, _ arguments: SQLArguments = []) throws -> SQLRow? {
        var first: SQLRow?
        try forEachRow(sql, arguments) { row in if first == nil { first = row } }
        return first
    }

    /// The first column of the first row decoded as `T`, or nil when there is no row or it is NULL.
    public func value<T: SQLValueConvertible>(_ type: T.Type = T.self, _ sql: String,
                                              _ arguments: SQLArguments = []) throws -> T? {
        guard let row = try row(sql, arguments), let raw = row.values.first, !raw.isNull else { return nil }
        guard let value = T.decode(raw) else {
            throw StoreError.corruptRow(table: "query", detail: "first column holds \(raw.kind), not \(T.self)")
        }
        return value
    }

    /// The id of the row an `INSERT … RETURNING id` created.
    public func insertReturningID(_ sql: String, _ arguments: SQLArguments) throws -> Int64 {
        guard let id = try value(Int64.self, sql, arguments) else {
            throw StoreError.sql(message: "the insert returned no id", sql: sql)
        }
        return id
    }
}

/// A many-row INSERT: the table, its columns and what to do when a row's key already exists.
public struct SQLInsert: Sendable, Equatable {
    /// What a row whose key already exists does.
    public enum Conflict: Sendable, Equatable {
        /// The statement fails (the default).
        case fail
        /// The row is skipped (`ON CONFLICT DO NOTHING`).
        case ignore
        /// The stored row takes the new values (`ON CONFLICT (key) DO UPDATE SET …`).
        case replace(key: [String])
    }

    public var table: String
    public var columns: [String]
    public var conflict: Conflict

    public init(into table: String, columns: [String], conflict: Conflict = .fail) {
        self.table = table
        self.columns = columns
        self.conflict = conflict
    }

    /// The statement for `rowCount` rows (both dialects accept it).
    public func sql(rowCount: Int) -> String {
        let tuple = "(" + Array(repeating: "?", count: columns.count).joined(separator: ", ") + ")"
        var sql = "INSERT INTO \(table) (\(columns.joined(separator: ", "))) VALUES "
            + Array(repeating: tuple, count: rowCount).joined(separator: ", ")
        switch conflict {
        case .fail:
            break
        case .ignore:
            sql += " ON CONFLICT DO NOTHING"
        case .replace(let key):
            let updates = columns.filter { !key.contains($0) }.map { "\($0) = excluded.\($0)" }
            sql += " ON CONFLICT (\(key.joined(separator: ", "))) "
                + (updates.isEmpty ? "DO NOTHING" : "DO UPDATE SET " + updates.joined(separator: ", "))
        }
        return sql
    }
}

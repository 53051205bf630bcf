import Foundation
import GRDB

/// The rows of an ad-hoc SQL query, as text, ready to print as a table, CSV or JSON.
public struct QueryResult: Sendable, Equatable {
    /// Column names in select order.
    public var columns: [String]
    /// One entry per row; `nil` is SQL NULL. Numbers keep SQLite's text form; blobs show as `<blob N bytes>`.
    public var rows: [[Value]]

    /// One cell: its text form and whether it is numeric (for alignment and JSON typing).
    public enum Value: Sendable, Equatable {
        case null
        case integer(Int64)
        case real(Double)
        case text(String)
        case blob(Int)

        /// The text printed for this cell in tables and CSV.
        public var text: String {
            switch self {
            case .null: return "NULL"
            case .integer(let v): return String(v)
            case .real(let v): return Self.format(v)
            case .text(let s): return s
            case .blob(let n): return "<blob \(n) bytes>"
            }
        }

        /// Shortest text that reads back as the same Double.
        static func format(_ v: Double) -> String {
            if v == v.rounded(), abs(v) < 1e15 { return String(format: "%.1f", v) }
            return "\(v)"
        }

        init(_ value: SQLValue) {
            switch value {
            case .null: self = .null
            case .integer(let v): self = .integer(v)
            case .real(let v): self = .real(v)
            case .text(let s): self = .text(s)
            case .blob(let d): self = .blob(d.count)
            }
        }
    }
}

extension Store {
    /// Runs the SQL text (one or more statements) and returns the rows of the last one that returns rows.
    ///
    /// Unless `allowWrite` is true, every statement must be read-only (checked with `sqlite3_stmt_readonly`
    /// before each runs), so a typo in `peftlab sql` cannot change stored results.
    /// `arguments` fill the `?` placeholders, in order across the statements.
    /// - Throws: `StoreError.writeRefused`, or `StoreError.sql` naming SQLite's message and the statement.
    /// On PostgreSQL a read-only query runs in a `READ ONLY` transaction, which the server enforces; text with
    /// `?` arguments must then be a single statement.
    public func query(_ sql: String, arguments: [String] = [], allowWrite: Bool = false) throws -> QueryResult {
        guard case .sqlite(let database) = backend else {
            let body = { (tx: any StoreTransaction) throws -> QueryResult in
                let rows = try tx.rows(sql, SQLArguments(arguments.map(\.sqlValue)))
                return QueryResult(columns: rows.first?.columns ?? [], rows: rows.map { $0.values.map(QueryResult.Value.init) })
            }
            return allowWrite ? try write(body) : try read(body)
        }
        return try Store.translatingErrors(path: path) {
            if allowWrite {
                activity.noteWrite()
                return try database.write { db in try Self.run(sql, arguments, in: db, allowWrite: true) }
            }
            return try database.read { db in try Self.run(sql, arguments, in: db, allowWrite: false) }
        }
    }

    private static func run(_ sql: String, _ arguments: [String], in db: Database, allowWrite: Bool) throws -> QueryResult {
        var result = QueryResult(columns: [], rows: [])
        let cursor = try db.allStatements(sql: sql, arguments: arguments.isEmpty ? nil : StatementArguments(arguments))
        while let statement = try cursor.next() {
            if !allowWrite && !statement.isReadonly { throw StoreError.writeRefused(sql: statement.sql) }
            if statement.columnCount == 0 {
                try statement.execute()
                continue
            }
            let rows = try Row.fetchAll(statement)
            result = QueryResult(columns: statement.columnNames,
                                 rows: rows.map { row in row.databaseValues.map { QueryResult.Value(SQLiteTransaction.sqlValue($0)) } })
        }
        return result
    }
}

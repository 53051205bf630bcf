import Foundation
import GRDB

/// `StoreTransaction` on one GRDB connection inside a transaction GRDB opened.
struct SQLiteTransaction: StoreTransaction {
    let db: Database

    var dialect: SQLDialect { .sqlite }

    func execute(_ sql: String, _ arguments: SQLArguments) throws -> Int {
        try db.execute(sql: sql, arguments: Self.bind(arguments))
        return db.changesCount
    }

    func rows(_ sql: String, _ arguments: SQLArguments) throws -> [SQLRow] {
        try Row.fetchAll(db, sql: sql, arguments: Self.bind(arguments)).map(Self.row)
    }

    func forEachRow(_ sql: String, _ arguments: SQLArguments, _ body: (SQLRow) throws -> Void) throws {
        let cursor = try Row.fetchCursor(db, sql: sql, arguments: Self.bind(arguments))
        while let row = try cursor.next() { try body(Self.row(row)) }
    }

    func insert(_ insert: SQLInsert, rows: [[SQLValue]]) throws {
        guard !rows.isEmpty else { return }
        let statement = try db.cachedStatement(sql: insert.sql(rowCount: 1))
        for row in rows { try statement.execute(arguments: StatementArguments(row.map(Self.databaseValue))) }
    }

    func databaseNow() throws -> Double { Date().timeIntervalSince1970 }

    static func bind(_ arguments: SQLArguments) -> StatementArguments {
        StatementArguments(arguments.values.map(databaseValue))
    }

    static func databaseValue(_ value: SQLValue) -> DatabaseValue {
        switch value {
        case .null: return .null
        case .integer(let v): return v.databaseValue
        case .real(let v): return v.databaseValue
        case .text(let v): return v.databaseValue
        case .blob(let v): return v.databaseValue
        }
    }

    static func sqlValue(_ value: DatabaseValue) -> SQLValue {
        switch value.storage {
        case .null: return .null
        case .int64(let v): return .integer(v)
        case .double(let v): return .real(v)
        case .string(let v): return .text(v)
        case .blob(let v): return .blob(v)
        }
    }

    static func row(_ row: Row) -> SQLRow {
        SQLRow(columns: Array(row.columnNames), values: row.databaseValues.map(sqlValue))
    }
}

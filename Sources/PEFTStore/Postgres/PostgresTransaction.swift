/// `StoreTransaction` on a PostgreSQL connection inside a transaction `PostgresBackend` opened.
struct PostgresTransaction: StoreTransaction {
    let connection: PostgresConnection

    var dialect: SQLDialect { .postgres }

    func execute(_ sql: String, _ arguments: SQLArguments) throws -> Int {
        try connection.execute(sql, arguments.values).changes
    }

    func rows(_ sql: String, _ arguments: SQLArguments) throws -> [SQLRow] {
        try connection.execute(sql, arguments.values).rows
    }

    /// Fetches the whole result, then hands it over row by row (libpq's single-row mode is not used).
    func forEachRow(_ sql: String, _ arguments: SQLArguments, _ body: (SQLRow) throws -> Void) throws {
        for row in try rows(sql, arguments) { try body(row) }
    }

    /// Multi-row INSERTs of up to 1 000 rows (and 30 000 parameters) each.
    func insert(_ insert: SQLInsert, rows: [[SQLValue]]) throws {
        guard !rows.isEmpty else { return }
        let perStatement = max(1, min(1_000, 30_000 / max(1, insert.columns.count)))
        var start = 0
        while start < rows.count {
            let chunk = rows[start..<min(rows.count, start + perStatement)]
            try connection.execute(insert.sql(rowCount: chunk.count), chunk.flatMap { $0 })
            start += chunk.count
        }
    }

    func databaseNow() throws -> Double {
        guard let now = try value(Double.self, "SELECT EXTRACT(EPOCH FROM clock_timestamp())::float8") else {
            throw StoreError.sql(message: "the server returned no time", sql: "clock_timestamp()")
        }
        return now
    }
}

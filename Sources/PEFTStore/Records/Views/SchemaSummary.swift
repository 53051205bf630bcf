/// What `peftlab init` reports of a database's schema: how many tables and views it holds.
public struct SchemaSummary: Sendable, Equatable {
    /// Tables and views in the database (SQLite's own `sqlite_sequence` included when present).
    public var tablesAndViews: Int

    /// Counts the schema's tables and views: from `sqlite_master` on SQLite, from `information_schema.tables`
    /// (which lists views too) in the current schema on PostgreSQL.
    public static func read(in tx: any StoreTransaction) throws -> SchemaSummary {
        let sql: String
        switch tx.dialect {
        case .sqlite:
            sql = "SELECT COUNT(*) FROM sqlite_master WHERE type IN ('table', 'view')"
        case .postgres:
            sql = "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema()"
        }
        return SchemaSummary(tablesAndViews: try tx.value(Int.self, sql) ?? 0)
    }
}

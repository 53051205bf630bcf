/// The two SQL dialects PEFTLab speaks. Statements are written once in what both accept; these are the few
/// spellings that differ.
public enum SQLDialect: String, Sendable, Equatable {
    case sqlite
    case postgres

    /// Appended to a `SELECT` that locks the rows it returns: `FOR UPDATE` on PostgreSQL; nothing on SQLite,
    /// whose write transactions already hold the whole database.
    public var forUpdate: String { self == .postgres ? " FOR UPDATE" : "" }

    /// Appended to a claiming `SELECT`: rows another transaction holds are skipped rather than waited for
    /// (`FOR UPDATE SKIP LOCKED` on PostgreSQL; nothing on SQLite).
    public func skipLocked(of table: String? = nil) -> String {
        guard self == .postgres else { return "" }
        return " FOR UPDATE" + (table.map { " OF \($0)" } ?? "") + " SKIP LOCKED"
    }

    /// A JSON field of a text column, as text: `json_extract(column, '$.a.b')` or `(column::jsonb #>> '{a,b}')`.
    public func jsonText(_ column: String, _ path: String...) -> String {
        switch self {
        case .sqlite: return "json_extract(\(column), '$.\(path.joined(separator: "."))')"
        case .postgres: return "(\(column)::jsonb #>> '{\(path.joined(separator: ","))}')"
        }
    }

    /// A JSON object column without one top-level key, as text: `json_remove(column, '$.key')` or
    /// `(column::jsonb - 'key')::text`. Equal objects give equal text within one dialect.
    public func jsonWithout(_ column: String, key: String) -> String {
        switch self {
        case .sqlite: return "json_remove(\(column), '$.\(key)')"
        case .postgres: return "((\(column))::jsonb - '\(key)')::text"
        }
    }

    /// The larger of two numbers (`MAX(a, b)` on SQLite, `GREATEST(a, b)` on PostgreSQL).
    public func greatest(_ a: String, _ b: String) -> String {
        self == .sqlite ? "MAX(\(a), \(b))" : "GREATEST(\(a), \(b))"
    }

    /// A query that moves an identity column's sequence past the table's largest id, after rows were inserted with
    /// explicit ids (`setval(pg_get_serial_sequence(…), MAX + 1, false)` on PostgreSQL); nil on SQLite, whose
    /// INTEGER PRIMARY KEY already takes the next id after the largest. Run it with `value` (it returns a row).
    public func resetIdentity(table: String, column: String = "id") -> String? {
        guard self == .postgres else { return nil }
        return "SELECT setval(pg_get_serial_sequence('\(table)', '\(column)'), COALESCE(MAX(\(column)), 0) + 1, false) FROM \(table)"
    }
}

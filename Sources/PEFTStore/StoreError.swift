import Foundation

/// Errors from opening or querying the PEFTLab database. Each reads as one sentence saying what and where.
public enum StoreError: Error, CustomStringConvertible, Equatable {
    /// The database file does not exist and the command does not create one.
    case missingDatabase(path: String)
    /// The file was written by a newer PEFTLab whose schema this build does not know.
    case newerSchema(path: String, found: Int, supported: Int)
    /// `peftlab sql` got a statement that writes, without `--write`.
    case writeRefused(sql: String)
    /// SQLite rejected a statement.
    case sql(message: String, sql: String)
    /// A row did not hold what its reader expected.
    case corruptRow(table: String, detail: String)
    /// A referenced row is missing.
    case notFound(what: String)

    public var description: String {
        switch self {
        case .missingDatabase(let path):
            return "no PEFTLab database at '\(path)': run `peftlab init --db \(path)` first, or point --db / PEFTLAB_DB at an existing file"
        case .newerSchema(let path, let found, let supported):
            return "'\(path)' has schema version \(found), but this peftlab supports up to \(supported): upgrade peftlab"
        case .writeRefused(let sql):
            return "refusing to run a statement that writes without --write: \(Self.abbreviate(sql))"
        case .sql(let message, let sql):
            return "SQL error: \(message) (in: \(Self.abbreviate(sql)))"
        case .corruptRow(let table, let detail):
            return "unexpected content in table '\(table)': \(detail)"
        case .notFound(let what):
            return "\(what) not found"
        }
    }

    static func abbreviate(_ sql: String) -> String {
        let oneLine = sql.split(whereSeparator: \.isNewline).joined(separator: " ")
            .trimmingCharacters(in: .whitespaces)
        return oneLine.count > 120 ? String(oneLine.prefix(117)) + "..." : oneLine
    }
}

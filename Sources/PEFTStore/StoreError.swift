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
    /// The file is not an SQLite database PEFTLab can read (a directory, unreadable, another format, encrypted).
    case notADatabase(path: String, reason: String)
    /// The file is an SQLite database of another application: PEFTLab neither reads nor changes it.
    case notPEFTLab(path: String)
    /// A read-only command was pointed at a database that needs an upgrade first.
    case olderSchema(path: String, found: Int, supported: Int)
    /// A command that writes was pointed at a file this user may not write.
    case readOnlyFile(path: String)
    /// SQLite found the disk (or quota) full while writing.
    case diskFull(path: String)
    /// SQLite could not allocate memory.
    case outOfMemory(path: String)
    /// `db backup` was given a file that already exists.
    case backupTargetExists(path: String)
    /// The PostgreSQL server cannot be reached, or the connection to it was lost.
    case serverUnavailable(server: String, reason: String)
    /// An operation that exists for SQLite files only was asked of a PostgreSQL store.
    case sqliteOnly(operation: String, server: String)

    public var description: String {
        switch self {
        case .missingDatabase(let path) where PostgresLocator.matches(path):
            return "no PEFTLab database at '\(path)': run `peftlab init --db \(path)` first (it creates the database)"
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
        case .notADatabase(let path, let reason):
            return "'\(path)' is not a PEFTLab database: \(reason); point --db / PEFTLAB_DB at a PEFTLab database, "
                + "or at a new file name to create one"
        case .notPEFTLab(let path) where PostgresLocator.matches(path):
            return "the PostgreSQL database '\(path)' holds tables, none of them PEFTLab's; PEFTLab leaves it untouched: "
                + "point --db at a new or PEFTLab database (peftlab creates a missing one)"
        case .notPEFTLab(let path):
            return "'\(path)' is an SQLite database of another application (it has tables, none of them PEFTLab's); "
                + "PEFTLab leaves it untouched: point --db at a PEFTLab database, or at a new file name to create one"
        case .olderSchema(let path, let found, let supported):
            return "'\(path)' has schema version \(found), older than this peftlab's \(supported), and this command "
                + "only reads: upgrade it first with `peftlab init --db \(path)`"
        case .readOnlyFile(let path):
            return "'\(path)' (or its directory) is read-only for you and this command writes: use a read-only command "
                + "(sql, status, runs, show), or make the file and its directory writable"
        case .diskFull(let path):
            return "the disk holding '\(path)' is full: free space (or raise the quota), then run the command again; "
                + "everything committed so far is kept"
        case .outOfMemory(let path):
            return "out of memory while using '\(path)': close other programs or raise the memory limit (ulimit -v), "
                + "then run the command again"
        case .backupTargetExists(let path):
            return "'\(path)' already exists: back up to a new file name (a backup never overwrites a file)"
        case .serverUnavailable(let server, let reason):
            return "cannot reach the PostgreSQL server for '\(server)': \(reason); check that it is running and that "
                + "--db / PEFTLAB_DB names it (postgres://user@host:port/database)"
        case .sqliteOnly(let operation, let server):
            return "\(operation) works on SQLite files only, and '\(server)' is a PostgreSQL database: use "
                + "`peftlab db export` to copy experiments into an SQLite file"
        }
    }

    static func abbreviate(_ sql: String) -> String {
        let oneLine = sql.split(whereSeparator: \.isNewline).joined(separator: " ")
            .trimmingCharacters(in: .whitespaces)
        return oneLine.count > 120 ? String(oneLine.prefix(117)) + "..." : oneLine
    }
}

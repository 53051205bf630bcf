import Foundation

extension StoreError {
    /// Whether retrying may fix the error: another connection holds the write lock (busy / locked).
    /// Everything else from SQLite (disk full, read-only file, I/O error, corruption) will fail again.
    public static func isTransient(_ error: any Error) -> Bool {
        guard let error = error as? StoreError, case .sql(let message, _) = error else { return false }
        let text = message.lowercased()
        return text.contains("database is locked") || text.contains("busy")
    }

    /// Whether the database itself failed (SQLite errors, a full disk, a read-only or vanished file), rather than a
    /// missing row or a refused statement: a worker cannot fix these by retrying the run.
    public var isSQLFailure: Bool {
        switch self {
        case .sql, .diskFull, .readOnlyFile, .outOfMemory, .notADatabase: return true
        default: return false
        }
    }
}

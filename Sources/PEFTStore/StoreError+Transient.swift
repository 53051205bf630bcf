import Foundation

extension StoreError {
    /// Whether retrying may fix the error: another connection holds the write lock (busy / locked), the PostgreSQL
    /// server is unreachable or restarting, or a transaction kept conflicting. Everything else (disk full, read-only
    /// file, I/O error, corruption) will fail again.
    public static func isTransient(_ error: any Error) -> Bool {
        guard let error = error as? StoreError else { return false }
        if case .serverUnavailable = error { return true }
        guard case .sql(let message, _) = error else { return false }
        let text = message.lowercased()
        return text.contains("database is locked") || text.contains("busy") || error.isRetryableConflict
    }

    /// A PostgreSQL serialisation failure or deadlock: running the transaction again may succeed.
    var isRetryableConflict: Bool {
        guard case .sql(let message, _) = self else { return false }
        return message.contains("SQLSTATE 40001") || message.contains("SQLSTATE 40P01")
    }

    /// Whether the database itself failed (SQLite errors, a full disk, a read-only or vanished file), rather than a
    /// missing row or a refused statement: a worker cannot fix these by retrying the run.
    public var isSQLFailure: Bool {
        switch self {
        case .sql, .diskFull, .readOnlyFile, .outOfMemory, .notADatabase, .serverUnavailable: return true
        default: return false
        }
    }
}

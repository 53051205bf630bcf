import Foundation
import GRDB

extension Store {
    /// Writes a consistent copy of the whole database (WAL content included) to `destination`: `VACUUM INTO` a
    /// temporary file beside it, then a rename, so `destination` is either absent or complete. Works on a store
    /// opened read-only and while other processes write; the source is not changed.
    /// - Cost: reads every page once; the copy is compacted (free pages dropped).
    /// - Throws: `StoreError.backupTargetExists` when `destination` exists; `StoreError` for SQLite failures
    ///   (`.diskFull` when the copy does not fit); `FileError` when it cannot be moved into place.
    public func backup(to destination: String) throws {
        let database = try sqliteDatabase(for: "`db backup`")
        let manager = FileManager.default
        if manager.fileExists(atPath: destination) { throw StoreError.backupTargetExists(path: destination) }
        let temporary = Staging.siblingName(of: destination, kind: "partial")
        defer { try? manager.removeItem(atPath: temporary) }
        try Store.translatingErrors(path: destination) {
            try database.writeWithoutTransaction { db in
                try db.execute(sql: "VACUUM INTO ?", arguments: [temporary])
            }
        }
        guard rename(temporary, destination) == 0 else {
            throw FileError(path: destination, operation: .move, code: errno)
        }
    }
}

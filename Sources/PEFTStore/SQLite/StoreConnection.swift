import Foundation
import GRDB

/// How `Store` opens SQLite connections: read-write as a WAL `DatabasePool`, or strictly read-only.
enum StoreConnection {
    /// A read-only connection (`SQLITE_OPEN_READONLY`): it never creates the file, sets up WAL, writes a table or
    /// runs a PRAGMA that changes the file. When neither the file nor its directory is writable for this user
    /// and SQLite cannot open it (a WAL read needs a `-shm` file it cannot create), it is opened `immutable=1`:
    /// no process of this user can be writing a file this user may not write.
    /// - Throws: `StoreError.notADatabase` when SQLite cannot read the file; other SQLite errors as `StoreError.sql`.
    static func readOnly(path: String) throws -> DatabaseQueue {
        var config = Configuration()
        config.readonly = true
        config.foreignKeysEnabled = true
        config.busyMode = .timeout(Store.busyTimeout)
        do {
            return try DatabaseQueue(path: path, configuration: config)
        } catch let error as DatabaseError
            where [.SQLITE_CANTOPEN, .SQLITE_READONLY].contains(error.resultCode) && !writable(path) {
            do {
                return try DatabaseQueue(path: immutableURI(path), configuration: config)
            } catch let error as DatabaseError {
                throw translated(error, path: path)
            }
        } catch let error as DatabaseError {
            throw translated(error, path: path)
        }
    }

    /// A read-write pool in WAL mode with `synchronous = NORMAL`, foreign keys and the busy timeout.
    /// - Throws: `StoreError` (see `translated`).
    static func readWrite(path: String) throws -> DatabasePool {
        var config = Configuration()
        config.foreignKeysEnabled = true
        config.busyMode = .timeout(Store.busyTimeout)
        config.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
        }
        do {
            return try DatabasePool(path: path, configuration: config)
        } catch let error as DatabaseError {
            throw translated(error, path: path)
        }
    }

    /// GRDB's error as a `StoreError` that says what is wrong with the file and what to do.
    static func translated(_ error: DatabaseError, path: String) -> StoreError {
        switch error.resultCode {
        case .SQLITE_NOTADB:
            return .notADatabase(path: path, reason: "SQLite cannot read it (not a database, or encrypted)")
        case .SQLITE_READONLY:
            return .readOnlyFile(path: path)
        case .SQLITE_CANTOPEN:
            return .notADatabase(path: path, reason: "SQLite cannot open it (check that its directory exists and "
                                    + "that you may read it)")
        case .SQLITE_FULL:
            return .diskFull(path: path)
        case .SQLITE_NOMEM:
            return .outOfMemory(path: path)
        default:
            return .sql(message: error.message ?? "\(error)", sql: error.sql ?? "")
        }
    }

    /// True when this user may write the file or create files beside it.
    private static func writable(_ path: String) -> Bool {
        let directory = (path as NSString).deletingLastPathComponent
        return access(path, W_OK) == 0 || access(directory.isEmpty ? "." : directory, W_OK) == 0
    }

    /// `file:` URI for `path` with `immutable=1` (SQLite here is built with URI filenames on).
    private static func immutableURI(_ path: String) -> String {
        let absolute = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        var allowed = CharacterSet.urlPathAllowed
        allowed.remove(charactersIn: "?#%")
        return "file:" + (absolute.addingPercentEncoding(withAllowedCharacters: allowed) ?? absolute) + "?immutable=1"
    }
}

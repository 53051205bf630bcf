import Foundation
import GRDB

/// What is at a database path, found without changing anything: no file, a file that is not SQLite, an SQLite
/// database of another application, or a PEFTLab database and its schema version.
///
/// `Store` asks before it opens a connection that may write, so a refused open (a newer schema, someone else's
/// database) leaves the file exactly as it was: no WAL conversion, no tables, no `user_version`, no change counter.
enum StoreProbe {
    enum Finding: Equatable {
        /// Nothing at the path.
        case absent
        /// A 0-byte file, or an SQLite database with no tables and `user_version` 0: safe to create the schema in.
        case empty
        /// A PEFTLab database (or an SQLite file holding only a `user_version` above ours) with this schema version.
        case peftlab(version: Int)
        /// An SQLite database whose tables are not PEFTLab's.
        case foreign
    }

    /// The tables whose presence marks a PEFTLab database (present in every schema version).
    static let markerTables = ["experiments", "runs", "datasets"]

    /// Inspects `path` through a read-only connection.
    /// - Throws: `StoreError.notADatabase` for a directory, an unreadable file or one that is not SQLite.
    static func inspect(_ path: String) throws -> Finding {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { return .absent }
        if isDirectory.boolValue {
            throw StoreError.notADatabase(path: path, reason: "it is a directory")
        }
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw StoreError.notADatabase(path: path, reason: "you do not have permission to read it")
        }
        let header = (try? handle.read(upToCount: 16)) ?? Data()
        try? handle.close()
        if header.isEmpty { return .empty }
        guard header == Data("SQLite format 3\0".utf8) else {
            throw StoreError.notADatabase(path: path, reason: "it does not start with SQLite's file header")
        }
        let connection = try StoreConnection.readOnly(path: path)
        return try Store.translatingErrors(path: path) {
            try connection.read { db -> Finding in
                let version = try Int.fetchOne(db, sql: "PRAGMA user_version") ?? 0
                let tables = try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table'")
                if tables.isEmpty {
                    if version == 0 { return .empty }
                    return version > Schema.version ? .peftlab(version: version) : .foreign
                }
                return markerTables.allSatisfy(tables.contains) ? .peftlab(version: max(version, 1)) : .foreign
            }
        }
    }
}

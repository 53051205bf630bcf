import Foundation

/// The schema on a PostgreSQL database: schema-postgres.sql (embedded), applied once, its version in `peftlab_schema`.
enum PostgresSchema {
    /// Lock key that serialises first opens: two processes creating the schema at once would collide.
    private static let lockKey = 7_235_004_115

    /// Creates the schema on an empty database (read-write), or checks the version of an existing one. A URL whose
    /// `search_path` names a schema that does not exist yet (`?options=-csearch_path%3Dteam_a`: several PEFTLab stores
    /// in one database) gets it created, as a missing database is.
    /// - Throws: `StoreError.notPEFTLab` for a database with other tables; `.newerSchema` / `.olderSchema`;
    ///   `.missingDatabase` for a read-only open of an empty or missing one.
    static func prepare(_ tx: any StoreTransaction, server: String, access: Store.Access) throws {
        if access == .readWrite { try tx.execute("SELECT pg_advisory_xact_lock(\(lockKey))") }
        if try tx.value(String.self, "SELECT current_schema()") == nil {
            guard access == .readWrite, let name = try firstSearchPathEntry(tx) else {
                throw StoreError.missingDatabase(path: server)
            }
            try tx.execute("CREATE SCHEMA IF NOT EXISTS \"\(name.replacingOccurrences(of: "\"", with: "\"\""))\"")
        }
        let known = try tx.value(Bool.self, "SELECT to_regclass('peftlab_schema') IS NOT NULL") ?? false
        guard known else {
            let tables = try tx.value(Int.self, """
                SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema()
                """) ?? 0
            if tables > 0 { throw StoreError.notPEFTLab(path: server) }
            if access == .readOnly { throw StoreError.missingDatabase(path: server) }
            try tx.execute(Schema.postgresSQL)
            try tx.execute("INSERT INTO peftlab_schema (version) VALUES (?)", [Schema.version])
            return
        }
        let found = try tx.value(Int.self, "SELECT MAX(version) FROM peftlab_schema") ?? 0
        if found > Schema.version {
            throw StoreError.newerSchema(path: server, found: found, supported: Schema.version)
        }
        if found < Schema.version {
            // Every PostgreSQL database so far was created at the current version; upgrades start with the next one.
            throw StoreError.olderSchema(path: server, found: found, supported: Schema.version)
        }
    }

    /// The first schema of the connection's `search_path` other than `$user`.
    private static func firstSearchPathEntry(_ tx: any StoreTransaction) throws -> String? {
        let path = try tx.value(String.self, "SELECT current_setting('search_path')") ?? ""
        return path.split(separator: ",")
            .map { $0.trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "\"")) }
            .first { !$0.isEmpty && $0 != "$user" }
    }
}

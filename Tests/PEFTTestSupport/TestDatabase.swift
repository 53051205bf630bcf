import Foundation

/// Where a test keeps its PEFTLab database: the SQLite file it names, or, when `PEFTLAB_TEST_POSTGRES` holds a
/// server URL (`make test` sets it for its second pass), a PostgreSQL schema of its own on that server, so every
/// test that touches the store runs on both backends.
public enum TestDatabase {
    /// The PostgreSQL server tests run against, if any (`postgres://user@host:port/database`).
    public static var postgresServer: String? {
        ProcessInfo.processInfo.environment["PEFTLAB_TEST_POSTGRES"].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// True when this pass of the suite runs on PostgreSQL.
    public static var isPostgres: Bool { postgresServer != nil }

    /// The `--db` value for a test database that would be the SQLite file at `path`: the path itself, or a URL
    /// naming a schema of its own (created by the first read-write open) in the test server's database. The same
    /// path always gives the same schema, and paths in temporary directories never repeat.
    public static func locator(_ path: String) -> String {
        guard let server = postgresServer else { return path }
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325  // FNV-1a over the path, then the process id (runs never share)
        for byte in Array(path.utf8) + withUnsafeBytes(of: getpid(), Array.init) {
            hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3
        }
        let schema = "t_" + String(hash, radix: 16)
        let separator = server.contains("?") ? "&" : "?"
        return server + separator + "options=-csearch_path%3D" + schema
    }
}

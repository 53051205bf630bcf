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
    /// naming a fresh schema (created by the first read-write open) in the test server's database.
    public static func locator(_ path: String) -> String {
        guard let server = postgresServer else { return path }
        let schema = "t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(20).lowercased()
        let separator = server.contains("?") ? "&" : "?"
        return server + separator + "options=-csearch_path%3D" + schema
    }
}

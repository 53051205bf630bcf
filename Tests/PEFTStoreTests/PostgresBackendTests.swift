import Foundation
import PEFTTestSupport
import XCTest
@testable import PEFTStore

/// The PostgreSQL backend against a real server (`PEFTLAB_TEST_POSTGRES`, started by `make test`); skipped without one.
final class PostgresBackendTests: XCTestCase {
    private let dir = TemporaryDirectory()

    /// A store of its own on the test server (a schema named after this test's temporary directory).
    private func store(_ name: String = "store.db") throws -> Store {
        guard TestDatabase.isPostgres else { throw XCTSkip("PEFTLAB_TEST_POSTGRES is not set: no PostgreSQL server") }
        return try Store(path: TestDatabase.locator(dir.path(name)))
    }

    func testValuesRoundTripBitForBit() throws {
        let store = try store()
        let reals: [Double] = [0.1, -0.0, .leastNonzeroMagnitude, .greatestFiniteMagnitude, 1e-310, .infinity,
                               -.infinity, 1.0 / 3.0, 123_456_789.123_456_789]
        let integers: [Int64] = [.min, .max, 0, -1, 1 << 53 + 1]
        let texts = ["", "Ünïcødé 🧪", "it's \"quoted\" ? -- not a comment", String(repeating: "x", count: 100_000)]
        let blobs = [Data(), Data([0, 1, 2, 255]), Data((0..<1_000_000).map { UInt8(truncatingIfNeeded: $0 &* 31) })]
        try store.write { tx in
            try tx.execute("CREATE TABLE t (i BIGINT, r DOUBLE PRECISION, s TEXT, b BYTEA)")
            for (n, value) in reals.enumerated() { try tx.execute("INSERT INTO t (i, r) VALUES (?, ?)", [n, value]) }
            for value in integers { try tx.execute("INSERT INTO t (i) VALUES (?)", [value]) }
            for value in texts { try tx.execute("INSERT INTO t (s) VALUES (?)", [value]) }
            for value in blobs { try tx.execute("INSERT INTO t (b) VALUES (?)", [value]) }
            try tx.execute("INSERT INTO t (r) VALUES (?)", [Double.nan])
        }
        try store.read { tx in
            let storedReals: [Double] = try tx.rows("SELECT r FROM t WHERE i IS NOT NULL AND r IS NOT NULL ORDER BY i").map { try $0[0] }
            XCTAssertEqual(storedReals.map(\.bitPattern), reals.map(\.bitPattern))
            let nan = try tx.value(Double.self, "SELECT r FROM t WHERE i IS NULL AND r IS NOT NULL")
            XCTAssertEqual(nan?.isNaN, true)
            let storedIntegers: [Int64] = try tx.rows("SELECT i FROM t WHERE i IS NOT NULL AND r IS NULL ORDER BY i").map { try $0[0] }
            XCTAssertEqual(storedIntegers, integers.sorted())
            let storedTexts: [String] = try tx.rows("SELECT s FROM t WHERE s IS NOT NULL ORDER BY length(s)").map { try $0[0] }
            XCTAssertTrue(storedTexts == texts, "texts changed: \(storedTexts.map { $0.prefix(40) })")
            let storedBlobs: [Data] = try tx.rows("SELECT b FROM t WHERE b IS NOT NULL ORDER BY length(b)").map { try $0[0] }
            XCTAssertEqual(storedBlobs, blobs)
            // A '?' inside a string literal is not a placeholder; booleans and numerics decode as integers.
            XCTAssertEqual(try tx.value(String.self, "SELECT '?' || ?", ["!"]), "?!")
            XCTAssertEqual(try tx.value(Bool.self, "SELECT EXISTS (SELECT 1 FROM t WHERE i = ?)", [Int64.max]), true)
            XCTAssertEqual(try tx.value(Int64.self, "SELECT SUM(i) FROM t WHERE i IN (0, -1)"), -1)
        }
    }

    func testBatchedInsertSplitsIntoStatementsAndHonoursConflicts() throws {
        let store = try store()
        let insert = SQLInsert(into: "kv", columns: ["k", "v"], conflict: .replace(key: ["k"]))
        try store.write { tx in
            try tx.execute("CREATE TABLE kv (k BIGINT PRIMARY KEY, v DOUBLE PRECISION)")
            try tx.insert(insert, rows: (0..<25_000).map { [.integer($0), .real(Double($0))] })
            try tx.insert(insert, rows: [[.integer(7), .real(-7)]])
            try tx.insert(SQLInsert(into: "kv", columns: ["k", "v"], conflict: .ignore), rows: [[.integer(8), .real(-8)]])
        }
        try store.read { tx in
            XCTAssertEqual(try tx.value(Int.self, "SELECT COUNT(*) FROM kv"), 25_000)
            XCTAssertEqual(try tx.value(Double.self, "SELECT v FROM kv WHERE k = 7"), -7)
            XCTAssertEqual(try tx.value(Double.self, "SELECT v FROM kv WHERE k = 8"), 8)
        }
    }

    func testConcurrentWritersSerialiseLikeSQLite() throws {
        let store = try store()
        try store.write { tx in
            try tx.execute("CREATE TABLE counter (n BIGINT NOT NULL)")
            try tx.execute("INSERT INTO counter VALUES (0)")
        }
        // Read-modify-write from 4 threads: SERIALIZABLE with retries loses no increment.
        DispatchQueue.concurrentPerform(iterations: 4) { _ in
            for _ in 0..<25 {
                try! store.write { tx in
                    let n = try tx.value(Int.self, "SELECT n FROM counter") ?? 0
                    try tx.execute("UPDATE counter SET n = ?", [n + 1])
                }
            }
        }
        XCTAssertEqual(try store.read { try $0.value(Int.self, "SELECT n FROM counter") }, 100)
    }

    func testReadTransactionsRefuseWritesAndRollBackOnError() throws {
        let store = try store()
        XCTAssertThrowsError(try store.read { try $0.execute("INSERT INTO datasets (name, created_at) VALUES ('d', 0)") }) {
            XCTAssertEqual($0 as? StoreError, .writeRefused(sql: "INSERT INTO datasets (name, created_at) VALUES ('d', 0)"))
        }
        struct Abort: Error {}
        XCTAssertThrowsError(try store.write { tx in
            try tx.execute("INSERT INTO datasets (name, created_at) VALUES ('d', 0)")
            throw Abort()
        })
        XCTAssertEqual(try store.read { try $0.value(Int.self, "SELECT COUNT(*) FROM datasets") }, 0)
        let now = try store.read { try $0.databaseNow() }
        XCTAssertEqual(now, Date().timeIntervalSince1970, accuracy: 60)
    }

    func testOpeningRefusesForeignAndNewerDatabasesAndReadOnlyOpensNeedOne() throws {
        _ = try store()
        let foreign = TestDatabase.locator(dir.path("foreign.db"))
        let fresh = TestDatabase.locator(dir.path("fresh.db"))
        XCTAssertThrowsError(try Store(path: fresh, access: .readOnly)) {
            XCTAssertEqual($0 as? StoreError, .missingDatabase(path: fresh))
        }
        // Make a schema holding another application's table, through a PEFTLab store in a third schema.
        let other = try Store(path: foreign)
        try other.write { tx in
            try tx.execute("DROP TABLE peftlab_schema")
            try tx.execute("CREATE TABLE their_table (x BIGINT)")
        }
        XCTAssertThrowsError(try Store(path: foreign)) { XCTAssertEqual($0 as? StoreError, .notPEFTLab(path: foreign)) }
        let newer = try Store(path: fresh)
        try newer.write { try $0.execute("UPDATE peftlab_schema SET version = ?", [Schema.version + 1]) }
        XCTAssertThrowsError(try Store(path: fresh)) {
            XCTAssertEqual($0 as? StoreError, .newerSchema(path: fresh, found: Schema.version + 1, supported: Schema.version))
        }
    }

    func testUnreachableServerIsATransientError() {
        XCTAssertThrowsError(try Store(path: "postgres://peftlab@127.0.0.1:1/none")) { error in
            guard case .serverUnavailable = error as? StoreError else { return XCTFail("\(error)") }
            XCTAssertTrue(StoreError.isTransient(error))
        }
    }

    /// schema-postgres.sql defines the same tables, columns (in order) and views as schema.sql.
    func testPostgresSchemaMatchesTheSQLiteContract() throws {
        let postgres = try store()
        let sqlite = try Store(path: dir.path("contract.db"))
        let sqliteColumns = try sqlite.read { tx -> [String: [String]] in
            var columns: [String: [String]] = [:]
            for row in try tx.rows("SELECT name FROM sqlite_master WHERE type IN ('table', 'view')") {
                let name: String = try row["name"]
                columns[name] = try tx.rows("SELECT name FROM pragma_table_info(?) ORDER BY cid", [name]).map { try $0["name"] }
            }
            return columns
        }
        let postgresColumns = try postgres.read { tx -> [String: [String]] in
            var columns: [String: [String]] = [:]
            for row in try tx.rows("""
                SELECT table_name, column_name FROM information_schema.columns
                WHERE table_schema = current_schema() AND table_name <> 'peftlab_schema' ORDER BY table_name, ordinal_position
                """) {
                columns[try row["table_name"], default: []].append(try row["column_name"])
            }
            return columns
        }
        XCTAssertEqual(postgresColumns.keys.sorted(), sqliteColumns.keys.sorted())
        for (table, names) in sqliteColumns { XCTAssertEqual(postgresColumns[table], names, table) }
        let views = { (store: Store, sql: String) in try store.read { tx in try tx.rows(sql).map { try $0[0] as String }.sorted() } }
        XCTAssertEqual(try views(postgres, "SELECT table_name FROM information_schema.views WHERE table_schema = current_schema()"),
                       try views(sqlite, "SELECT name FROM sqlite_master WHERE type = 'view'"))
    }

    func testEmbeddedPostgresSchemaIsTheTopLevelFile() throws {
        let file = try String(contentsOf: repositoryRoot.appendingPathComponent("schema-postgres.sql"), encoding: .utf8)
        XCTAssertEqual(Schema.postgresSQL + "\n", file, "Sources/PEFTStore/Schema+SQL.swift is stale: run `make schema`")
    }
}

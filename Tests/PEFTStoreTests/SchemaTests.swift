import Foundation
import GRDB
import XCTest
@testable import PEFTStore

final class SchemaTests: XCTestCase {
    func testEmbeddedSchemaIsTheTopLevelFile() throws {
        let file = try String(contentsOf: repositoryRoot.appendingPathComponent("schema.sql"), encoding: .utf8)
        // A multi-line literal drops the file's final newline; nothing else may differ. Fix with `make schema`.
        XCTAssertEqual(Schema.sql + "\n", file, "Sources/PEFTStore/Schema+SQL.swift is stale: run `make schema`")
    }

    func testNewDatabaseGetsEveryTableAndViewAndTheVersion() throws {
        let dir = TemporaryDirectory()
        let store = try Store(path: dir.path("new.db"))
        let names: [String] = try store.read { tx in
            try tx.rows("SELECT name FROM sqlite_master WHERE type IN ('table','view') ORDER BY name").map { try $0[0] }
        }
        for expected in ["datasets", "manifests", "images", "image_tensors", "examples", "example_features",
                         "quarantine", "backbones", "feature_cache", "experiments", "runs", "leases", "attempts",
                         "checkpoints", "metrics", "events", "results", "leaderboard", "run_states",
                         "final_metrics", "dataset_summary"] {
            XCTAssertTrue(names.contains(expected), "missing \(expected) in \(names)")
        }
        XCTAssertEqual(try store.read { try $0.value(Int.self, "PRAGMA user_version") }, Schema.version)
        XCTAssertEqual(try store.read { try $0.value(String.self, "PRAGMA journal_mode") }, "wal")
        XCTAssertEqual(try store.read { try $0.value(Int.self, "PRAGMA foreign_keys") }, 1)
        // Opening again is a no-op.
        _ = try Store(path: dir.path("new.db"))
    }

    func testVersionOneDatabaseIsUpgradedWithItsRowsKept() throws {
        let dir = TemporaryDirectory()
        let v1 = try String(contentsOf: repositoryRoot.appendingPathComponent(
            "Tests/PEFTStoreTests/Fixtures/schema-v1.sql"), encoding: .utf8)
        let oldPath = dir.path("v1.db")
        let queue = try DatabaseQueue(path: oldPath)
        try queue.write { db in
            try db.execute(sql: v1)
            try db.execute(sql: "PRAGMA user_version = 1")
            try db.execute(sql: "INSERT INTO experiments (name, yaml, yaml_sha256, created_at, updated_at) VALUES ('e', 'x', 'h', 0, 0)")
            try db.execute(sql: """
                INSERT INTO runs (experiment_id, config_hash, config_json, method, seed, queued_at)
                VALUES (1, 'c1', '{}', 'lora', 1, 0)
                """)
        }
        try queue.close()

        let upgraded = try Store(path: oldPath)
        let fresh = try Store(path: dir.path("fresh.db"))
        XCTAssertEqual(try describe(upgraded), try describe(fresh))
        XCTAssertEqual(try upgraded.read { try $0.value(Int.self, "PRAGMA user_version") }, Schema.version)
        XCTAssertEqual(try upgraded.read { try $0.value(String.self, "SELECT method FROM runs WHERE id = 1") }, "lora")
        XCTAssertEqual(try upgraded.read { try $0.value(Int.self, "SELECT COUNT(*) FROM events") }, 0)
    }

    /// A run finished under schema 3 (test metrics at its last step only, best checkpoint earlier) is reported at
    /// its last step with `fallback` = 1 after the upgrade to 4, and the new table is there.
    func testVersionThreeRunsFallBackToTheirLastStepAfterTheUpgrade() throws {
        let dir = TemporaryDirectory()
        let v3 = try String(contentsOf: repositoryRoot.appendingPathComponent("Tests/PEFTStoreTests/Fixtures/schema-v3.sql"), encoding: .utf8)
        let path = dir.path("v3.db")
        let queue = try DatabaseQueue(path: path)
        try queue.write { db in
            try db.execute(sql: v3)
            try db.execute(sql: "PRAGMA user_version = 3")
            try db.execute(sql: "INSERT INTO experiments (name, yaml, yaml_sha256, created_at, updated_at) VALUES ('e', 'x', 'h', 0, 0)")
            try db.execute(sql: """
                INSERT INTO runs (experiment_id, config_hash, config_json, method, seed, state, step, queued_at)
                VALUES (1, 'c1', '{"seed":1}', 'lora', 1, 'succeeded', 20, 0)
                """)
            try db.execute(sql: """
                INSERT INTO checkpoints (run_id, step, epoch, cursor, parameters, optimizer, rng, best_metric, is_best, byte_count, created_at)
                VALUES (1, 10, 0, 0, x'00', x'00', '{}', 0.9, 1, 2, 0);
                INSERT INTO metrics VALUES (1, 10, 'val', 'accuracy', 0.9), (1, 20, 'val', 'accuracy', 0.8), (1, 20, 'test', 'accuracy', 0.75);
                """)
        }
        try queue.close()
        let store = try Store(path: path)
        XCTAssertEqual(try store.query("SELECT selection, step, fallback FROM run_selection ORDER BY selection").rows,
                       [[.text("best-val"), .integer(20), .integer(1)], [.text("last"), .integer(20), .integer(0)]])
        XCTAssertEqual(try store.query("SELECT seeds, mean, fallbacks FROM leaderboard WHERE metric = 'accuracy'").rows,
                       [[.integer(1), .real(0.75), .integer(1)]])
        XCTAssertEqual(try store.read { try $0.value(Int.self, "SELECT COUNT(*) FROM predictions") }, 0)
    }

    func testNewerDatabaseIsRefused() throws {
        let dir = TemporaryDirectory()
        let queue = try DatabaseQueue(path: dir.path("future.db"))
        try queue.write { try $0.execute(sql: "PRAGMA user_version = \(Schema.version + 1)") }
        try queue.close()
        XCTAssertThrowsError(try Store(path: dir.path("future.db"))) { error in
            XCTAssertEqual(error as? StoreError,
                           .newerSchema(path: dir.path("future.db"), found: Schema.version + 1, supported: Schema.version))
        }
    }

    func testMissingDatabaseIsAnErrorWhenNotCreating() {
        XCTAssertThrowsError(try Store(path: "/nonexistent/dir/x.db", create: false)) { error in
            XCTAssertTrue("\(error)".contains("peftlab init"), "\(error)")
        }
    }

    /// Every table's columns (name, type, not-null, default, primary key) and every index and view name.
    private func describe(_ store: Store) throws -> [String] {
        try store.read { tx in
            var lines: [String] = []
            let objects = try tx.rows("""
                SELECT type, name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name
                """)
            for object in objects {
                let type: String = try object["type"]
                let name: String = try object["name"]
                lines.append("\(type) \(name)")
                guard type == "table" else { continue }
                let columns = try tx.rows("SELECT name, type, \"notnull\", dflt_value, pk FROM pragma_table_info(?)", [name])
                lines += try columns.map { column -> String in
                    let (columnName, columnType): (String, String) = (try column["name"], try column["type"])
                    let (notNull, primaryKey): (Int, Int) = (try column["notnull"], try column["pk"])
                    let fallback: String? = try column["dflt_value"]
                    return "  \(columnName) \(columnType) \(notNull) \(fallback ?? "-") \(primaryKey)"
                }.sorted()
            }
            return lines
        }
    }
}

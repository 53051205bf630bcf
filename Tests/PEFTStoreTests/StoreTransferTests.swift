import Foundation
import PEFTStore
import PEFTTestSupport
import XCTest

/// `StoreTransfer` (`db export` / `db import`): every column of every copied table arrives bit for bit, a subset
/// leaves the rest out, re-importing adds nothing, a conflicting import changes nothing, and taken ids are
/// renumbered with every reference following.
final class StoreTransferTests: XCTestCase {
    func testExportThenImportIntoAFreshStoreKeepsEveryRowAndIDBitForBit() throws {
        let dir = TemporaryDirectory()
        let source = try TransferFixture.make(dir.path("source.db"))
        let export = try StoreTransfer.export(from: source, to: TestDatabase.locator(dir.path("out.db")),
                                              selection: TransferSelection(experiments: ["grid-a", "grid-b"], data: .referenced))
        XCTAssertEqual(export.rows("runs"), 4)
        let file = try Store(path: TestDatabase.locator(dir.path("out.db")), create: false, access: .readOnly)
        let copy = try Store(path: TestDatabase.locator(dir.path("copy.db")))
        let summary = try StoreTransfer.copy(from: file, into: copy)
        XCTAssertEqual(summary.added.map(\.table), TransferFixture.tables.filter { $0 != "leases" })

        for table in TransferFixture.tables {
            let expected = try TransferFixture.rawDump(table, of: source).filter { table != "leases" && !$0.contains("run_id=NULL") }
            XCTAssertEqual(try TransferFixture.rawDump(table, of: copy), expected, table)
            if table != "leases" { XCTAssertFalse(expected.isEmpty, "the fixture fills \(table)") }
        }
        XCTAssertEqual(try copy.read { try $0.value(String.self, "SELECT state FROM runs WHERE config_hash = 'a2'") }, "running",
                       "a running run is copied as it is, without its lease")
        // New rows after the copy take ids above the copied ones.
        let next = try copy.write { tx in
            try tx.insertReturningID("INSERT INTO datasets (name, created_at) VALUES ('later', 0) RETURNING id", [])
        }
        XCTAssertEqual(next, 3)
    }

    func testExportOfASubsetLeavesOtherExperimentsAndTheirDataOut() throws {
        let dir = TemporaryDirectory()
        let source = try TransferFixture.make(dir.path("source.db"))
        _ = try StoreTransfer.export(from: source, to: TestDatabase.locator(dir.path("a.db")),
                                     selection: TransferSelection(experiments: ["grid-a"], data: .referenced))
        let a = try Store(path: TestDatabase.locator(dir.path("a.db")), create: false, access: .readOnly)
        XCTAssertEqual(try TransferFixture.column("SELECT name FROM experiments ORDER BY name", a), ["grid-a"])
        XCTAssertEqual(try TransferFixture.column("SELECT config_hash FROM runs ORDER BY id", a), ["a1", "a2", "a3"])
        XCTAssertEqual(try TransferFixture.column("SELECT name FROM datasets", a), ["sarcasm"])
        XCTAssertEqual(try TransferFixture.column("SELECT sha256 FROM images", a), ["img-sarcasm"])
        XCTAssertEqual(try TransferFixture.column("SELECT image_sha256 FROM image_tensors", a), ["img-sarcasm"])
        XCTAssertEqual(try TransferFixture.column("SELECT DISTINCT run_id FROM metrics ORDER BY run_id", a), ["1", "2"])

        _ = try StoreTransfer.export(from: source, to: TestDatabase.locator(dir.path("b.db")),
                                     selection: TransferSelection(experiments: ["grid-b"], data: .none))
        let b = try Store(path: TestDatabase.locator(dir.path("b.db")), create: false, access: .readOnly)
        XCTAssertEqual(try TransferFixture.column("SELECT config_hash FROM runs", b), ["b1"])
        for table in ["datasets", "examples", "images", "backbones", "feature_cache"] {
            XCTAssertEqual(try TransferFixture.column("SELECT COUNT(*) FROM \(table)", b), ["0"], table)
        }
    }

    func testExportRefusesAnExistingFileAndAnUnknownExperiment() throws {
        let dir = TemporaryDirectory()
        let source = try TransferFixture.make(dir.path("source.db"))
        try Data("notes".utf8).write(to: URL(fileURLWithPath: dir.path("taken.db")))
        XCTAssertThrowsError(try StoreTransfer.export(from: source, to: dir.path("taken.db"), selection: .everything)) {
            XCTAssertEqual($0 as? TransferError, .destinationExists(path: dir.path("taken.db")))
        }
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: dir.path("taken.db"))), Data("notes".utf8))
        XCTAssertThrowsError(try StoreTransfer.export(from: source, to: dir.path("new.db"),
                                                      selection: TransferSelection(experiments: ["nope"], data: .none))) {
            XCTAssertEqual("\($0)", "no experiment 'nope' in '\(source.path)' (it has: grid-a, grid-b)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.path("new.db")), "a failed export leaves no file")
    }

    func testReimportAddsNothing() throws {
        let dir = TemporaryDirectory()
        let source = try TransferFixture.make(dir.path("source.db"))
        let target = try Store(path: TestDatabase.locator(dir.path("target.db")))
        _ = try StoreTransfer.copy(from: source, into: target)
        let before = try TransferFixture.tables.map { try TransferFixture.rawDump($0, of: target) }
        let again = try StoreTransfer.copy(from: source, into: target)
        XCTAssertEqual(again, TransferSummary(added: [], unchanged: ["grid-a", "grid-b"]))
        XCTAssertEqual(try TransferFixture.tables.map { try TransferFixture.rawDump($0, of: target) }, before)
    }

    func testAConflictingImportIsRefusedNamingTheExperimentAndChangesNothing() throws {
        let dir = TemporaryDirectory()
        let source = try TransferFixture.make(dir.path("source.db"))
        let target = try Store(path: TestDatabase.locator(dir.path("target.db")))
        _ = try StoreTransfer.copy(from: source, into: target, selection: TransferSelection(experiments: ["grid-b"], data: .none))
        try target.write { tx in _ = try tx.execute("UPDATE metrics SET value = value + 1 WHERE step = 2") }
        let before = try TransferFixture.tables.map { try TransferFixture.rawDump($0, of: target) }
        XCTAssertThrowsError(try StoreTransfer.copy(from: source, into: target)) { error in
            XCTAssertEqual(error as? TransferError, .conflictingExperiment(name: "grid-b", destination: target.path))
            XCTAssertTrue("\(error)".contains("experiment 'grid-b' already exists"), "\(error)")
        }
        XCTAssertEqual(try TransferFixture.tables.map { try TransferFixture.rawDump($0, of: target) }, before,
                       "grid-a and the datasets, copied before grid-b was compared, are rolled back")
    }

    func testARunKnownUnderAnotherExperimentIsRefused() throws {
        let dir = TemporaryDirectory()
        let source = try TransferFixture.make(dir.path("source.db"))
        let target = try Store(path: TestDatabase.locator(dir.path("target.db")))
        try target.write { tx in
            try tx.execute("INSERT INTO experiments (name, yaml, yaml_sha256, created_at, updated_at) VALUES ('mine', '', '', 0, 0)")
            try tx.execute("INSERT INTO runs (experiment_id, config_hash, config_json, method, seed, queued_at) VALUES (1, 'a2', '{}', 'lora', 1, 0)")
        }
        XCTAssertThrowsError(try StoreTransfer.copy(from: source, into: target)) {
            XCTAssertEqual($0 as? TransferError, .conflictingRun(configHash: "a2", experiment: "grid-a", existingExperiment: "mine",
                                                                 destination: target.path))
        }
    }

    func testTakenIDsAreRenumberedWithEveryReferenceFollowing() throws {
        let dir = TemporaryDirectory()
        let source = try TransferFixture.make(dir.path("source.db"))
        let target = try Store(path: TestDatabase.locator(dir.path("target.db")))
        try target.write { tx in
            try tx.execute("INSERT INTO experiments (name, yaml, yaml_sha256, created_at, updated_at) VALUES ('mine', 'y', 'h', 5, 5)")
            try tx.execute("INSERT INTO runs (experiment_id, config_hash, config_json, method, seed, queued_at) VALUES (1, 'm1', '{}', 'lora', 1, 0)")
            try tx.execute("INSERT INTO metrics (run_id, step, split, name, value) VALUES (1, 1, 'train', 'loss', 0.5)")
            try tx.execute("INSERT INTO events (run_id, level, kind, message, created_at) VALUES (1, 'info', 'k', 'm', 0)")
            try tx.execute("INSERT INTO datasets (name, created_at) VALUES ('mine', 0)")
            // sarcasm already here with one of the source's examples (by source key) under another id.
            try tx.execute("INSERT INTO datasets (name, created_at) VALUES ('sarcasm', 1)")
            try tx.execute("INSERT INTO examples (dataset_id, source_key, created_at) VALUES (2, 's1', 7), (1, 'k0', 0)")
        }
        let before = try TransferFixture.naturalDump(target)
        let summary = try StoreTransfer.copy(from: source, into: target)
        XCTAssertEqual(summary.rows("examples"), 6, "s1 of sarcasm was there already")
        var added = try TransferFixture.naturalDump(target)
        for row in before { added.remove(at: try XCTUnwrap(added.firstIndex(of: row), row)) }
        var expected = try TransferFixture.naturalDump(source)
        // The dataset row and example s1 of sarcasm stay the target's; the rest of sarcasm merges in.
        expected.removeAll { $0.hasPrefix("datasets|") && $0.contains("name=sarcasm") }
        expected.removeAll { $0.hasPrefix("examples|") && $0.contains("source_key=s1|") }
        XCTAssertEqual(added.sorted(), expected.sorted())
        XCTAssertEqual(try TransferFixture.column("""
            SELECT x.source_key FROM example_features f JOIN examples x ON x.id = f.example_id ORDER BY x.source_key
            """, target), ["s1", "s2"], "features follow their examples, also onto the example that was there")
        XCTAssertEqual(try TransferFixture.column("SELECT id FROM runs WHERE config_hash IN ('a1', 'a2') ORDER BY config_hash", target),
                       ["5", "2"], "run 1 is taken, so a1 gets a fresh id above both stores' largest (4); a2 keeps its id")
    }
}

/// A small store that fills every table a transfer touches, with values that catch lossy copies: reals such as
/// 1/3, -0.0, a subnormal and 1e300; 64-bit integers; blobs with zero bytes and a 200 kB checkpoint; NULLs.
///
/// Experiments `grid-a` (runs a1 succeeded, a2 running with a lease, a3 queued; dataset `sarcasm`) and `grid-b`
/// (run b1 succeeded; dataset `other`), one run-less event, a backbone and two cached features.
enum TransferFixture {
    /// Every table a transfer may write, in copy order, then `leases` (never copied).
    static let tables = ["backbones", "images", "image_tensors", "datasets", "manifests", "examples", "example_features",
                         "quarantine", "feature_cache", "experiments", "runs", "attempts", "checkpoints", "metrics",
                         "predictions", "events", "leases"]

    static func make(_ path: String) throws -> Store {
        let store = try Store(path: TestDatabase.locator(path))
        let blob = Data((0 ..< 200_000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 8) })
        try store.write { tx in
            func put(_ table: String, _ columns: [String], _ rows: [[SQLValue]]) throws {
                try tx.insert(SQLInsert(into: table, columns: columns), rows: rows)
            }
            try put("backbones", ["hash", "name", "path", "config_json", "parameter_count", "created_at"],
                    [[.text("bb"), .text("tiny"), .text("/m/tiny"), .text("{\"w\":32}"), .integer(9_000_000_000), .real(1.5)]])
            try put("images", ["sha256", "format", "width", "height", "byte_count", "bytes", "created_at"],
                    [[.text("img-sarcasm"), .text("png"), .integer(2), .integer(3), .integer(4), .blob(Data([0, 1, 0, 255])), .real(2)],
                     [.text("img-other"), .text("jpeg"), .integer(1), .integer(1), .integer(2), .blob(Data([9, 0])), .real(2)]])
            try put("image_tensors", ["image_sha256", "preprocess_hash", "dtype", "shape", "data", "created_at"],
                    [[.text("img-sarcasm"), .text("pp"), .text("float32"), .text("[1]"), .blob(Data([0, 0, 128, 63])), .real(3)],
                     [.text("img-other"), .text("pp"), .text("uint8"), .text("[1]"), .blob(Data([7])), .real(3)]])
            try put("datasets", ["id", "name", "task", "description", "created_at"],
                    [[.integer(1), .text("sarcasm"), .text("classification"), .text("sarcasm ✓ ünïcode"), .real(1.0 / 3)],
                     [.integer(2), .text("other"), .null, .null, .real(4)]])
            try put("manifests", ["id", "dataset_id", "path", "sha256", "format", "rows_total", "rows_stored", "rows_duplicate",
                                  "rows_quarantined", "completed_at", "created_at"],
                    [[.integer(1), .integer(1), .text("s.jsonl"), .text("m1"), .text("jsonl"), .integer(7), .integer(5), .integer(0),
                      .integer(2), .real(9.25), .real(9)],
                     [.integer(2), .integer(2), .text("o.csv"), .text("m2"), .text("csv"), .integer(2), .integer(2), .integer(0),
                      .integer(0), .null, .real(9)]])
            var examples: [[SQLValue]] = []
            for i in 0 ..< 5 {
                examples.append([.integer(Int64(i + 1)), .integer(1), .text("s\(i)"), .text(i < 3 ? "train" : "test"), .text("text \(i)"),
                                 .blob(Data([49, 0, 0, 0, UInt8(i), 0, 0, 0])), i == 0 ? .text("img-sarcasm") : .null,
                                 .integer(Int64(i % 2)), .real(Double(i) * 0.1), i == 1 ? .text("[0,1]") : .null,
                                 .text("{\"i\":\(i)}"), .real(-0.0)])
            }
            for i in 0 ..< 2 {
                examples.append([.integer(Int64(i + 6)), .integer(2), .text("o\(i)"), .text("train"), .null, .null,
                                 i == 0 ? .text("img-other") : .null, .null, .real(5e-324), .null, .null, .real(0)])
            }
            try put("examples", ["id", "dataset_id", "source_key", "split", "text", "token_ids", "image_sha256", "label", "score",
                                 "labels_json", "extra_json", "created_at"], examples)
            try put("example_features", ["example_id", "name", "shape", "data"],
                    [[.integer(2), .text("audio"), .text("[1,2]"), .blob(Data([0, 0, 0, 0, 1, 2, 3, 4]))],
                     [.integer(3), .text("audio"), .text("[1,1]"), .blob(Data([5, 6, 7, 8]))]])
            try put("quarantine", ["id", "dataset_id", "file", "line", "field", "reason", "created_at"],
                    [[.integer(1), .integer(1), .text("s.jsonl"), .integer(3), .text("label"), .text("label is not an integer"), .real(9)],
                     [.integer(2), .integer(1), .text("img/x.png"), .null, .null, .text("not an image"), .real(9)]])
            try put("feature_cache", ["backbone_hash", "tower", "layer", "preprocess_hash", "input_hash", "dtype", "shape", "data", "created_at"],
                    [[.text("bb"), .text("vision"), .integer(-1), .text("pp"), .text("img-sarcasm"), .text("float16"), .text("[2]"),
                      .blob(Data([0, 60, 0, 188])), .real(1e300)],
                     [.text("bb"), .text("text"), .integer(3), .text("tok"), .text("t1"), .text("float32"), .text("[1]"),
                      .blob(Data([0, 0, 0, 0])), .real(1)]])
            try put("experiments", ["id", "name", "file", "yaml", "yaml_sha256", "created_at", "updated_at"],
                    [[.integer(1), .text("grid-a"), .text("experiments/a.yaml"), .text("name: grid-a\n"), .text("ya"), .real(10), .real(11)],
                     [.integer(2), .text("grid-b"), .null, .text("name: grid-b\n"), .text("yb"), .real(12), .real(12)]])
            let runColumns = ["id", "experiment_id", "config_hash", "config_json", "grid_json", "method", "seed", "state", "attempts",
                              "step", "total_steps", "method_params", "head_params", "trainable_params", "total_params", "error",
                              "queued_at", "started_at", "finished_at"]
            func run(_ id: Int64, _ experiment: Int64, _ hash: String, _ dataset: String, _ state: String, step: Int64) -> [SQLValue] {
                [.integer(id), .integer(experiment), .text(hash), .text("{\"dataset\":\"\(dataset)\",\"seed\":\(id)}"),
                 .text("{\"lr\":0.1}"), .text("lora"), .integer(id), .text(state), .integer(state == "queued" ? 0 : 1), .integer(step),
                 .integer(4), .integer(512), .integer(66), .integer(578), .integer(3_000_578), state == "succeeded" ? .null : .text("e"),
                 .real(100), state == "queued" ? .null : .real(100.125), state == "succeeded" ? .real(112.5) : .null]
            }
            try put("runs", runColumns, [run(1, 1, "a1", "sarcasm", "succeeded", step: 4), run(2, 1, "a2", "sarcasm", "running", step: 2),
                                        run(3, 1, "a3", "sarcasm", "queued", step: 0), run(4, 2, "b1", "other", "succeeded", step: 4)])
            try put("leases", ["run_id", "worker_id", "host", "pid", "attempt", "claimed_at", "heartbeat_at", "expires_at", "step"],
                    [[.integer(2), .text("h:1:0"), .text("h"), .integer(1), .integer(1), .real(100), .real(101), .real(160), .integer(2)]])
            try put("attempts", ["id", "run_id", "attempt", "worker_id", "host", "pid", "started_at", "ended_at", "outcome", "error"],
                    [[.integer(1), .integer(1), .integer(1), .text("h:1:0"), .text("h"), .integer(1), .real(100), .real(112.5), .text("succeeded"), .null],
                     [.integer(2), .integer(2), .integer(1), .text("h:1:0"), .text("h"), .integer(1), .real(100.125), .null, .null, .null],
                     [.integer(3), .integer(4), .integer(1), .text("h:2:0"), .text("h"), .integer(2), .real(100), .real(111), .text("succeeded"), .null]])
            try put("checkpoints", ["id", "run_id", "step", "epoch", "cursor", "parameters", "optimizer", "rng", "best_metric", "is_best",
                                    "byte_count", "created_at"],
                    [[.integer(1), .integer(1), .integer(4), .integer(1), .integer(0), .blob(blob), .blob(Data("{\"step\":4}".utf8)),
                      .text("{\"s\":1}"), .real(0.8125), .integer(1), .integer(200_010), .real(112)],
                     [.integer(2), .integer(2), .integer(2), .integer(0), .integer(2), .blob(Data([0])), .blob(Data()), .text("{}"),
                      .null, .integer(0), .integer(1), .real(101)],
                     [.integer(3), .integer(4), .integer(4), .integer(1), .integer(0), .blob(Data([1, 2])), .blob(Data([3])), .text("{}"),
                      .real(0.5), .integer(1), .integer(3), .real(110)]])
            var metrics: [[SQLValue]] = []
            for (runID, steps) in [(Int64(1), 4), (2, 2), (4, 4)] {
                for step in 1 ... steps {
                    metrics.append([.integer(runID), .integer(Int64(step)), .text("train"), .text("loss"), .real(1.0 / Double(3 * step))])
                    metrics.append([.integer(runID), .integer(Int64(step)), .text("val"), .text("accuracy"), .real(Double.pi / (Double(step) + Double(runID)))])
                }
            }
            metrics.append([.integer(1), .integer(4), .text("test"), .text("mae"), .real(-0.0)])
            metrics.append([.integer(4), .integer(4), .text("test"), .text("mae"), .real(2.2250738585072014e-308)])
            try put("metrics", ["run_id", "step", "split", "name", "value"], metrics)
            let predictions = StoredPredictions(exampleIDs: [4, 5], values: .classes(predicted: [1, 0], targets: [1, 1], classes: 2))
            try PredictionRecord(runID: 1, split: "test", step: 4, predictions: predictions).insert(in: tx, now: 112.25)
            try PredictionRecord(runID: 4, split: "test", step: 4, predictions: predictions).insert(in: tx, now: 111.25)
            try put("events", ["id", "run_id", "level", "kind", "message", "created_at"],
                    [[.integer(1), .null, .text("info"), .text("ingest"), .text("5 rows"), .real(9)],
                     [.integer(2), .integer(1), .text("info"), .text("claimed"), .text("run 1 claimed"), .real(100)],
                     [.integer(3), .integer(2), .text("warning"), .text("lease-expired"), .text("gone"), .real(161)],
                     [.integer(4), .integer(4), .text("info"), .text("succeeded"), .text("done"), .real(111)]])
        }
        return store
    }

    /// Every row of `table`, all columns, in key order, as text that distinguishes every bit (reals by bit pattern).
    static func rawDump(_ table: String, of store: Store) throws -> [String] {
        let order = ["metrics": "run_id, split, name, step", "predictions": "run_id, split, step", "leases": "run_id",
                     "images": "sha256", "image_tensors": "image_sha256, preprocess_hash", "example_features": "example_id, name",
                     "backbones": "hash", "feature_cache": "backbone_hash, tower, layer, preprocess_hash, input_hash"][table] ?? "id"
        return try store.read { tx in try tx.rows("SELECT * FROM \(table) ORDER BY \(order)").map { describe(table, $0, dropping: []) } }
    }

    /// Every transferred row of `store` with integer ids replaced by what they stand for (experiment and dataset
    /// names, run config hashes, example source keys), sorted: equal for two stores that hold the same content.
    static func naturalDump(_ store: Store) throws -> [String] {
        let queries: [(String, String, Set<String>)] = [
            ("backbones", "SELECT * FROM backbones", []),
            ("images", "SELECT * FROM images", []),
            ("image_tensors", "SELECT * FROM image_tensors", []),
            ("feature_cache", "SELECT * FROM feature_cache", []),
            ("datasets", "SELECT * FROM datasets", ["id"]),
            ("experiments", "SELECT * FROM experiments", ["id"]),
            ("runs", "SELECT e.name AS experiment_name, r.* FROM runs r JOIN experiments e ON e.id = r.experiment_id",
             ["id", "experiment_id"]),
            ("example_features", """
                SELECT d.name AS dataset_name, x.source_key AS example_key, f.* FROM example_features f
                JOIN examples x ON x.id = f.example_id JOIN datasets d ON d.id = x.dataset_id
                """, ["example_id"]),
        ] + ["manifests", "examples", "quarantine"].map {
            ($0, "SELECT d.name AS dataset_name, t.* FROM \($0) t JOIN datasets d ON d.id = t.dataset_id", ["id", "dataset_id"])
        } + ["attempts", "checkpoints", "metrics", "predictions", "events"].map {
            ($0, "SELECT r.config_hash AS run_key, t.* FROM \($0) t JOIN runs r ON r.id = t.run_id", ["id", "run_id"])
        }
        return try store.read { tx in
            try queries.flatMap { table, sql, ids in try tx.rows(sql).map { describe(table, $0, dropping: ids) } }
        }.sorted()
    }

    /// The first column of a query's rows, as text.
    static func column(_ sql: String, _ store: Store) throws -> [String] {
        try store.read { tx in try tx.rows(sql).map { text($0.values[0]) } }
    }

    static func describe(_ table: String, _ row: SQLRow, dropping ids: Set<String>) -> String {
        zip(row.columns, row.values).filter { !ids.contains($0.0) }.reduce(table + "|") { $0 + "\($1.0)=\(text($1.1))|" }
    }

    static func text(_ value: SQLValue) -> String {
        switch value {
        case .null: return "NULL"
        case .integer(let v): return "\(v)"
        case .real(let v): return "r\(String(v.bitPattern, radix: 16))"
        case .text(let v): return v
        case .blob(let v): return "x" + v.base64EncodedString()
        }
    }
}

import Foundation
import PEFTStore
import PEFTTestSupport
import XCTest

/// `peftlab db export` and `db import` on a real trained grid: the copy holds every row of the exported experiment
/// and its data as stored, re-importing adds nothing, and the refusals say why and change nothing.
final class DBTransferCommandTests: XCTestCase {
    func testExportImportOfATrainedGridAndTheRefusals() throws {
        let dir = TemporaryDirectory()
        let (db, _) = try KillHarness.store(dir, "cluster.db", dataset: "sarcasm", examples: 24, seed: 2)
        for (name, seeds) in [("probe-grid", "[1, 2]"), ("other", "[1]")] {
            try """
                name: \(name)
                dataset: sarcasm
                backbone: \(dir.path("backbone"))
                task: classification
                method: {name: linear-probe}
                seeds: \(seeds)
                train: {epochs: 1, batch_size: 8, lr: 0.05}
                """.write(toFile: dir.path("\(name).yaml"), atomically: true, encoding: .utf8)
            XCTAssertEqual(try CLIRunner.run(["queue", "--db", db, dir.path("\(name).yaml")]).status, 0)
        }
        let work = try CLIRunner.run(["work", "--db", db, "--threads", "1", "--experiment", "probe-grid"])
        XCTAssertTrue(work.stdout.contains("2 succeeded, 0 failed"), work.stdout + work.stderr)

        let out = dir.path("probe.db")
        let export = try CLIRunner.run(["db", "export", "--db", db, "--experiment", "probe-grid", "--to", out, "--with-data"])
        XCTAssertEqual(export.status, 0, export.stderr)
        XCTAssertTrue(export.stdout.contains("exported probe-grid to \(out): "), export.stdout)
        let laptop = TestDatabase.locator(dir.path("laptop.db"))
        XCTAssertEqual(try CLIRunner.run(["init", "--db", laptop]).status, 0)
        let imported = try CLIRunner.run(["db", "import", out, "--db", laptop])
        XCTAssertEqual(imported.status, 0, imported.stderr)

        // Into an empty store every id is kept: the copy equals the source restricted to probe-grid, row by row.
        let runs = "SELECT r.id FROM runs r JOIN experiments e ON e.id = r.experiment_id WHERE e.name = 'probe-grid'"
        let restricted: [(table: String, filter: String, order: String)] = [
            ("experiments", "name = 'probe-grid'", "id"), ("runs", "id IN (\(runs))", "id"),
            ("attempts", "run_id IN (\(runs))", "id"), ("checkpoints", "run_id IN (\(runs))", "id"),
            ("metrics", "run_id IN (\(runs))", "run_id, split, name, step"), ("predictions", "run_id IN (\(runs))", "run_id, split, step"),
            ("events", "run_id IN (\(runs))", "id"), ("datasets", "1 = 1", "id"), ("manifests", "1 = 1", "id"),
            ("examples", "1 = 1", "id"), ("images", "1 = 1", "sha256"), ("image_tensors", "1 = 1", "image_sha256, preprocess_hash"),
            ("quarantine", "1 = 1", "id"), ("backbones", "1 = 1", "hash"),
            ("feature_cache", "1 = 1", "backbone_hash, tower, layer, preprocess_hash, input_hash"),
        ]
        let source = try Store(path: db, create: false, access: .readOnly)
        let copy = try Store(path: laptop, create: false, access: .readOnly)
        for (table, filter, order) in restricted {
            let expected = try source.read { try $0.rows("SELECT * FROM \(table) WHERE \(filter) ORDER BY \(order)") }
            XCTAssertEqual(try copy.read { try $0.rows("SELECT * FROM \(table) ORDER BY \(order)") }, expected, table)
        }
        XCTAssertGreaterThan(try copy.read { try $0.value(Int.self, "SELECT COUNT(*) FROM metrics") } ?? 0, 0)
        XCTAssertGreaterThan(try copy.read { try $0.value(Int.self, "SELECT COUNT(*) FROM checkpoints") } ?? 0, 0)
        XCTAssertGreaterThan(try copy.read { try $0.value(Int.self, "SELECT COUNT(*) FROM examples") } ?? 0, 0)

        let again = try CLIRunner.run(["db", "import", out, "--db", laptop])
        XCTAssertEqual(again.stdout, "\(laptop): imported \(out): nothing new; already there unchanged: probe-grid\n", again.stderr)

        let exists = try CLIRunner.run(["db", "export", "--db", db, "--experiment", "other", "--to", out])
        XCTAssertEqual(exists.status, 1)
        XCTAssertTrue(exists.stderr.contains("'\(out)' already exists"), exists.stderr)
        let unknown = try CLIRunner.run(["db", "export", "--db", db, "--experiment", "nope", "--to", dir.path("n.db")])
        XCTAssertTrue(unknown.stderr.contains("no experiment 'nope' in '\(db)' (it has: probe-grid, other)"), unknown.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.path("n.db")))
        let none = try CLIRunner.run(["db", "export", "--db", db, "--to", dir.path("n.db")])
        XCTAssertTrue(none.stderr.contains("Name at least one experiment"), none.stderr)

        XCTAssertEqual(try CLIRunner.run(["sql", "--db", laptop, "--write", "UPDATE runs SET error = 'edited'"]).status, 0)
        let conflict = try CLIRunner.run(["db", "import", out, "--db", laptop])
        XCTAssertEqual(conflict.status, 1)
        XCTAssertTrue(conflict.stderr.contains("experiment 'probe-grid' already exists in '\(laptop)' with different content"),
                      conflict.stderr)
    }
}

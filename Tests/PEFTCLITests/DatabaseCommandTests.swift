import Foundation
import PEFTTestSupport
import XCTest

/// End-to-end tests of `peftlab init`, `sql`, `status` and `bench store`: the built binary, its stdout and exit code.
final class DatabaseCommandTests: XCTestCase {
    func testInitThenSQLListsTheSchema() throws {
        let dir = TemporaryDirectory()
        let db = dir.path("p.db")
        let initResult = try CLIRunner.run(["init", "--db", db])
        XCTAssertEqual(initResult.status, 0, initResult.stderr)
        let list = try CLIRunner.run(["sql", "SELECT name FROM sqlite_master WHERE type IN ('table','view') ORDER BY name"],
                                     environment: ["PEFTLAB_DB": db])
        XCTAssertEqual(list.status, 0, list.stderr)
        for name in ["runs", "metrics", "checkpoints", "results", "leaderboard", "images", "feature_cache"] {
            XCTAssertTrue(list.stdout.contains("\n\(name)\n"), "no \(name) in:\n\(list.stdout)")
        }
    }

    func testOutputFormats() throws {
        let dir = TemporaryDirectory()
        let db = TestDatabase.locator(dir.path("p.db"))
        _ = try CLIRunner.run(["init", "--db", db])
        let sql = "SELECT 1 AS n, 'a,b' AS s, NULL AS z"
        XCTAssertEqual(try CLIRunner.run(["sql", "--db", db, sql]).stdout,
                       "n  s    z\n-  ---  ----\n1  a,b  NULL\n(1 row)\n")
        XCTAssertEqual(try CLIRunner.run(["sql", "--db", db, "--csv", sql]).stdout, "n,s,z\n1,\"a,b\",\n")
        XCTAssertEqual(try CLIRunner.run(["sql", "--db", db, "--json", sql]).stdout, "[{\"n\":1,\"s\":\"a,b\",\"z\":null}]\n")
    }

    func testWriteWithoutFlagIsRefusedAndChangesNothing() throws {
        let dir = TemporaryDirectory()
        let db = dir.path("p.db")
        _ = try CLIRunner.run(["init", "--db", db])
        let refused = try CLIRunner.run(["sql", "--db", db, "DELETE FROM runs"])
        XCTAssertNotEqual(refused.status, 0)
        XCTAssertTrue(refused.stderr.contains("without --write"), refused.stderr)
        XCTAssertEqual(refused.stderr.split(separator: "\n").count, 1, refused.stderr)
        let allowed = try CLIRunner.run(["sql", "--db", db, "--write",
                                         "INSERT INTO datasets (name, created_at) VALUES ('d', 0)"])
        XCTAssertEqual(allowed.status, 0, allowed.stderr)
        XCTAssertTrue(try CLIRunner.run(["sql", "--db", db, "SELECT name FROM datasets"]).stdout.contains("d\n"))
    }

    func testBadSQLAndMissingDatabaseGiveOneLineErrors() throws {
        let dir = TemporaryDirectory()
        let db = dir.path("p.db")
        _ = try CLIRunner.run(["init", "--db", db])
        let bad = try CLIRunner.run(["sql", "--db", db, "SELEC 1"])
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.stderr.contains("syntax error"), bad.stderr)
        XCTAssertEqual(bad.stderr.split(separator: "\n").count, 1, bad.stderr)

        let missing = try CLIRunner.run(["sql", "--db", dir.path("nope.db"), "SELECT 1"])
        XCTAssertNotEqual(missing.status, 0)
        XCTAssertTrue(missing.stderr.contains("no PEFTLab database at"), missing.stderr)
        XCTAssertEqual(missing.stderr.split(separator: "\n").count, 1, missing.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.path("nope.db")), "sql must not create a database")
    }

    func testStatusCountsRunsByState() throws {
        let dir = TemporaryDirectory()
        let db = TestDatabase.locator(dir.path("p.db"))
        _ = try CLIRunner.run(["init", "--db", db])
        _ = try CLIRunner.run(["sql", "--db", db, "--write", """
            INSERT INTO experiments (name, yaml, yaml_sha256, created_at, updated_at) VALUES ('lora-grid', '', '', 0, 0);
            INSERT INTO runs (experiment_id, config_hash, config_json, method, seed, state, queued_at)
            VALUES (1, 'a', '{}', 'lora', 1, 'queued', 0), (1, 'b', '{}', 'lora', 2, 'succeeded', 0)
            """])
        let status = try CLIRunner.run(["status", "--db", db, "--csv"])
        XCTAssertEqual(status.stdout, "experiment,queued,running,succeeded,failed,cancelled,total,eta\nlora-grid,1,0,1,0,0,2,\n",
                       "no ETA while no run has a known length")
        _ = try CLIRunner.run(["sql", "--db", db, "--write", "UPDATE runs SET state = 'succeeded' WHERE config_hash = 'a'"])
        XCTAssertEqual(try CLIRunner.run(["status", "--db", db, "--csv"]).stdout,
                       "experiment,queued,running,succeeded,failed,cancelled,total,eta\nlora-grid,0,0,2,0,0,2,done\n")
    }

    /// Four processes × 500 single-row write transactions on one file: all 2000 stored, none "database is locked".
    func testFourProcessesWritingConcurrentlyLoseNothing() throws {
        let dir = TemporaryDirectory()
        let db = dir.path("load.db")
        let result = try CLIRunner.run(["bench", "store", "--db", db, "--processes", "4", "--operations", "500",
                                        "--keep", "--json"])
        XCTAssertEqual(result.status, 0, result.stderr + result.stdout)
        XCTAssertTrue(result.stdout.contains("\"operations\":2000,\"stored\":2000,\"failures\":0"), result.stdout)
        let count = try CLIRunner.run(["sql", "--db", db, "--csv", "SELECT COUNT(DISTINCT message) FROM events"])
        XCTAssertEqual(count.stdout, "COUNT(DISTINCT message)\n2000\n")
    }

    func testConcurrentClaimsHandEachRunToExactlyOneProcess() throws {
        let dir = TemporaryDirectory()
        let db = dir.path("claims.db")
        let result = try CLIRunner.run(["bench", "store", "--db", db, "--processes", "4", "--operations", "50",
                                        "--mode", "claims", "--keep", "--json"])
        XCTAssertEqual(result.status, 0, result.stderr + result.stdout)
        let attempts = try CLIRunner.run(["sql", "--db", db, "--csv",
                                          "SELECT COUNT(*), COUNT(DISTINCT run_id), MAX(attempt) FROM attempts"])
        XCTAssertEqual(attempts.stdout.split(separator: "\n").last, "200,200,1")
    }

    func testHelpHasExamples() throws {
        let commands = ["quickstart", "init", "sql", "status", "queue", "work", "runs", "show", "cancel", "retry", "resume",
                        "datasets", "datasets make", "datasets list", "ingest", "preprocess", "features", "embed", "methods", "version",
                        "bench gemm", "bench ops", "bench layer", "bench clip", "bench memory", "bench store",
                        "bench orchestrator"]
        for command in commands {
            let help = try CLIRunner.run(command.split(separator: " ").map(String.init) + ["--help"])
            XCTAssertEqual(help.status, 0)
            XCTAssertTrue(help.stdout.contains("Example") && help.stdout.contains("peftlab \(command)"),
                          "\(command) --help has no example:\n\(help.stdout)")
        }
    }
}

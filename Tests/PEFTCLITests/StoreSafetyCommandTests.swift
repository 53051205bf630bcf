import Foundation
import GRDB
import XCTest

/// Read-only commands open read-only; files that are not PEFTLab databases are left alone; commands that wrote
/// leave no WAL; `db backup` writes a consistent copy.
final class StoreSafetyCommandTests: XCTestCase {
    private func bytes(_ path: String) throws -> Data { try Data(contentsOf: URL(fileURLWithPath: path)) }

    func testReadOnlyCommandsNeverTouchAnotherApplicationsDatabase() throws {
        let dir = TemporaryDirectory()
        let path = dir.path("other.db")
        let queue = try DatabaseQueue(path: path)
        try queue.write { try $0.execute(sql: "CREATE TABLE t (x); INSERT INTO t VALUES (1)") }
        try queue.close()
        let before = try bytes(path)
        for arguments in [["sql", "--db", path, "SELECT * FROM t"], ["status", "--db", path], ["runs", "--db", path],
                          ["show", "--db", path, "1"], ["init", "--db", path], ["sql", "--write", "--db", path, "SELECT 1"]] {
            let result = try CLIRunner.run(arguments)
            XCTAssertNotEqual(result.status, 0, arguments.joined(separator: " "))
            XCTAssertTrue(result.stderr.contains("another application"), result.stderr)
            XCTAssertEqual(result.stderr.split(separator: "\n").count, 1, result.stderr)
        }
        XCTAssertEqual(try bytes(path), before)
        XCTAssertFalse(FileManager.default.fileExists(atPath: path + "-wal"))
    }

    func testNotADatabaseAndDirectoryGetActionableMessages() throws {
        let dir = TemporaryDirectory()
        try Data("hello\n".utf8).write(to: dir.url.appendingPathComponent("notes.txt"))
        let text = try CLIRunner.run(["sql", "--db", dir.path("notes.txt"), "SELECT 1"])
        XCTAssertTrue(text.stderr.contains("is not a PEFTLab database: it does not start with SQLite's file header"),
                      text.stderr)
        XCTAssertFalse(text.stderr.contains("PRAGMA synchronous"), text.stderr)
        let folder = try CLIRunner.run(["status", "--db", dir.url.path])
        XCTAssertTrue(folder.stderr.contains("it is a directory"), folder.stderr)
    }

    /// Item 6 for real: as an unprivileged user (via setpriv when the tests run as root), a database file and
    /// directory that user may not write can still be read by the read-only commands. Skipped where neither
    /// applies.
    func testReadOnlyCommandsReadAFileTheUserCannotWrite() throws {
        let dir = TemporaryDirectory()
        let sub = dir.url.appendingPathComponent("ro")
        try FileManager.default.createDirectory(at: sub, withIntermediateDirectories: true)
        let path = sub.appendingPathComponent("p.db").path
        XCTAssertEqual(try CLIRunner.run(["init", "--db", path]).status, 0)
        XCTAssertEqual(try CLIRunner.run(["sql", "--write", "--db", path,
                                          "INSERT INTO datasets (name, created_at) VALUES ('d', 0)"]).status, 0)
        try FileManager.default.setAttributes([.posixPermissions: 0o444], ofItemAtPath: path)
        try FileManager.default.setAttributes([.posixPermissions: 0o555], ofItemAtPath: sub.path)
        defer { try? FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: sub.path) }
        var prefix: [String] = []
        if getuid() == 0 {
            guard FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv") else {
                throw XCTSkip("running as root without /usr/bin/setpriv: cannot drop privileges to test permissions")
            }
            prefix = ["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
        }
        let before = try bytes(path)
        let read = try CLIRunner.run(["sql", "--db", path, "SELECT name FROM datasets"], prefix: prefix)
        XCTAssertEqual(read.status, 0, read.stderr)
        XCTAssertTrue(read.stdout.contains("d\n"), read.stdout)
        XCTAssertEqual(try CLIRunner.run(["status", "--db", path], prefix: prefix).status, 0)
        let write = try CLIRunner.run(["work", "--db", path], prefix: prefix)
        XCTAssertNotEqual(write.status, 0)
        XCTAssertTrue(write.stderr.contains("read-only for you"), write.stderr)
        XCTAssertEqual(try bytes(path), before)
    }

    func testCommandsThatWroteLeaveNoWALAndBackupIsConsistent() throws {
        let dir = TemporaryDirectory()
        let db = dir.path("p.db")
        let made = try CLIRunner.run(["datasets", "make", "sarcasm", "--out", dir.path("s"), "--examples", "30",
                                      "--ingest", "--db", db])
        XCTAssertEqual(made.status, 0, made.stderr)
        let wal = (try? FileManager.default.attributesOfItem(atPath: db + "-wal")[.size] as? Int) ?? 0
        XCTAssertEqual(wal, 0, "the WAL was checkpointed and truncated on exit")

        let backup = try CLIRunner.run(["db", "backup", "--db", db, dir.path("copy.db")])
        XCTAssertEqual(backup.status, 0, backup.stderr)
        let count = try CLIRunner.run(["sql", "--db", dir.path("copy.db"), "--csv", "SELECT COUNT(*) AS n FROM examples"])
        XCTAssertEqual(count.stdout, "n\n30\n", count.stderr)
        let again = try CLIRunner.run(["db", "backup", "--db", db, dir.path("copy.db")])
        XCTAssertNotEqual(again.status, 0)
        XCTAssertTrue(again.stderr.contains("already exists"), again.stderr)
    }
}

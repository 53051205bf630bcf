import Foundation
@testable import PEFTData
import PEFTStore
import XCTest

/// `kill -9` in the middle of `peftlab ingest`: the database must be consistent (whole batches only) and a second
/// run must complete the ingest. Runs the real binary built next to this test bundle on an SQLite file (what `kill -9`
/// may leave in a file, and SQLite's own integrity check, are what it is about).
final class IngestKillTests: XCTestCase {
    /// The peftlab executable in the build products folder (as PEFTCLITests finds it).
    private static var executable: URL {
        var dir = Bundle.main.bundleURL
        for _ in 0..<4 where !FileManager.default.fileExists(atPath: dir.appendingPathComponent("peftlab").path) {
            dir = dir.deletingLastPathComponent()
        }
        return dir.appendingPathComponent("peftlab")
    }

    private func launch(_ arguments: [String], output: Pipe? = nil) throws -> Process {
        let process = Process()
        process.executableURL = Self.executable
        process.arguments = arguments
        process.standardOutput = output ?? FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    func testKillNineMidIngestLeavesAConsistentDatabaseAndARerunCompletes() throws {
        let pipe = Pipe()
        let help = try launch(["ingest", "--help"], output: pipe)
        let usage = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        help.waitUntilExit()
        guard help.terminationStatus == 0, usage.contains("--manifest") else {
            throw XCTSkip("the peftlab binary at \(Self.executable.path) has no ingest command")
        }
        let sandbox = try IngestSandbox("kill")
        let made = try BuiltinDatasets.make("sarcasm", into: sandbox.url("data"), seed: 8, examples: 600)
        let dbPath = sandbox.url("kill.db").path
        let arguments = ["ingest", "sarcasm", "--db", dbPath, "--manifest", made.manifest.path, "--label-field", "label",
                         "--threads", "1", "--batch-size", "8", "--cache-pixels"]
        let process = try launch(arguments)
        // Wait until some batches are committed, then kill -9.
        var killedMidway = false
        let deadline = Date().addingTimeInterval(60)
        while process.isRunning && Date() < deadline {
            if let stored = try? Self.storedRows(dbPath), stored >= 40 {
                kill(process.processIdentifier, SIGKILL)
                killedMidway = true
                break
            }
            usleep(5_000)
        }
        process.waitUntilExit()
        XCTAssertTrue(killedMidway, "the ingest finished before it could be killed; make the dataset larger")
        let store = try Store(path: dbPath, create: false)
        try store.read { tx in
            XCTAssertEqual(try tx.value(String.self, "PRAGMA integrity_check"), "ok")
            let examples = try tx.value(Int.self, "SELECT COUNT(*) FROM examples") ?? -1
            XCTAssertEqual(try tx.value(Int.self, "SELECT rows_stored FROM manifests"), examples,
                           "the progress counter commits with its batch")
            XCTAssertEqual(examples % 8, 0, "only whole batches of 8 rows are visible")
            XCTAssertEqual(try tx.value(Int.self, """
                SELECT COUNT(*) FROM examples x LEFT JOIN images i ON i.sha256 = x.image_sha256 WHERE i.sha256 IS NULL
                """), 0)
            if killedMidway {
                XCTAssertLessThan(examples, 600)
                XCTAssertNil(try tx.value(Double.self, "SELECT completed_at FROM manifests"))
            }
        }
        let rerun = try launch(arguments)
        rerun.waitUntilExit()
        XCTAssertEqual(rerun.terminationStatus, 0)
        try store.read { tx in
            XCTAssertEqual(try tx.value(Int.self, "SELECT COUNT(*) FROM examples"), 600)
            XCTAssertEqual(try tx.value(Int.self, "SELECT COUNT(*) FROM images"), 600)
            XCTAssertEqual(try tx.value(Int.self, "SELECT COUNT(*) FROM image_tensors"), 600)
            XCTAssertNotNil(try tx.value(Double.self, "SELECT completed_at FROM manifests"))
        }
    }

    private static func storedRows(_ path: String) throws -> Int? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        let store = try Store(path: path, create: false, access: .readOnly)
        defer { store.close() }
        return try store.read { tx in try tx.value(Int.self, "SELECT COALESCE(MAX(rows_stored), 0) FROM manifests") }
    }
}

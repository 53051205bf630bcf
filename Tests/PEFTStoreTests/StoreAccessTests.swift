import Foundation
import GRDB
import XCTest
@testable import PEFTStore

/// Opening never changes a file it refuses, read-only opens never write, and a store that wrote leaves no WAL.
final class StoreAccessTests: XCTestCase {
    /// A file's bytes (these databases are a few pages).
    private func bytes(_ path: String) throws -> Data { try Data(contentsOf: URL(fileURLWithPath: path)) }

    func testAnotherApplicationsDatabaseIsRefusedAndLeftByteForByte() throws {
        let dir = TemporaryDirectory()
        let path = dir.path("other.db")
        let queue = try DatabaseQueue(path: path)
        try queue.write { db in
            try db.execute(sql: "CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES ('mine')")
        }
        try queue.close()
        let before = try bytes(path)
        for access in [Store.Access.readOnly, .readWrite] {
            XCTAssertThrowsError(try Store(path: path, create: true, access: access)) { error in
                XCTAssertEqual(error as? StoreError, .notPEFTLab(path: path))
                XCTAssertEqual("\(error)".split(separator: "\n").count, 1)
            }
        }
        XCTAssertEqual(try bytes(path), before, "no tables, no WAL conversion, no user_version")
        XCTAssertFalse(FileManager.default.fileExists(atPath: path + "-wal"))
    }

    /// Refusing a newer schema used to run the WAL set-up first, which bumped the file change counter.
    func testRefusedNewerDatabaseIsUnchangedChangeCounterIncluded() throws {
        let dir = TemporaryDirectory()
        let path = dir.path("future.db")
        try Store(path: path).close()
        let queue = try DatabaseQueue(path: path)
        try queue.write { try $0.execute(sql: "PRAGMA user_version = \(Schema.version + 1)") }
        try queue.writeWithoutTransaction { _ = try Row.fetchOne($0, sql: "PRAGMA wal_checkpoint(TRUNCATE)") }
        try queue.close()
        let before = try bytes(path)
        for access in [Store.Access.readWrite, .readOnly] {
            XCTAssertThrowsError(try Store(path: path, access: access)) { error in
                XCTAssertEqual(error as? StoreError,
                               .newerSchema(path: path, found: Schema.version + 1, supported: Schema.version))
            }
        }
        let after = try bytes(path)
        XCTAssertEqual(after.subdata(in: 24..<28), before.subdata(in: 24..<28), "file change counter")
        XCTAssertEqual(after, before)
    }

    func testReadOnlyStoreNeverCreatesMigratesOrWrites() throws {
        let dir = TemporaryDirectory()
        XCTAssertThrowsError(try Store(path: dir.path("absent.db"), access: .readOnly)) { error in
            XCTAssertEqual(error as? StoreError, .missingDatabase(path: dir.path("absent.db")))
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.path("absent.db")))

        let path = dir.path("p.db")
        let writer = try Store(path: path)
        try writer.write { try $0.execute("INSERT INTO datasets (name, created_at) VALUES ('d', 0)") }
        writer.close()
        let before = try bytes(path)
        let reader = try Store(path: path, access: .readOnly)
        XCTAssertEqual(try reader.read { try $0.value(String.self, "SELECT name FROM datasets") }, "d")
        XCTAssertThrowsError(try reader.write { try $0.execute("DELETE FROM datasets") }) { error in
            XCTAssertEqual(error as? StoreError, .readOnlyFile(path: path))
        }
        XCTAssertThrowsError(try reader.query("DELETE FROM datasets", allowWrite: true))
        reader.close()
        XCTAssertEqual(try bytes(path), before)
    }

    func testFilesThatAreNotDatabasesGetOneSentence() throws {
        let dir = TemporaryDirectory()
        try Data("not a database at all, just text\n".utf8).write(to: dir.url.appendingPathComponent("notes.db"))
        for (path, reason) in [(dir.path("notes.db"), "SQLite's file header"), (dir.url.path, "it is a directory")] {
            XCTAssertThrowsError(try Store(path: path)) { error in
                guard case .notADatabase(let at, let why)? = error as? StoreError else { return XCTFail("\(error)") }
                XCTAssertEqual(at, path)
                XCTAssertTrue(why.contains(reason), why)
                XCTAssertFalse("\(error)".contains("PRAGMA"), "\(error)")
            }
        }
    }

    func testClosingAStoreThatWroteLeavesNoWAL() throws {
        let dir = TemporaryDirectory()
        let path = dir.path("p.db")
        let store = try Store(path: path)
        try store.write { tx in
            for i in 0..<2000 {
                try tx.execute("INSERT INTO events (level, kind, message, created_at) VALUES ('info', 'k', ?, 0)",
                               [String(repeating: "x", count: 200) + "\(i)"])
            }
        }
        let wal = (try? FileManager.default.attributesOfItem(atPath: path + "-wal")[.size] as? Int) ?? 0
        XCTAssertGreaterThan(wal, 100_000, "the rows are in the WAL before closing")
        store.close()
        let left = (try? FileManager.default.attributesOfItem(atPath: path + "-wal")[.size] as? Int) ?? 0
        XCTAssertEqual(left, 0)
        let copy = dir.path("copy.db")
        try FileManager.default.copyItem(atPath: path, toPath: copy)
        let reopened = try Store(path: copy, access: .readOnly)
        XCTAssertEqual(try reopened.read { try $0.value(Int.self, "SELECT COUNT(*) FROM events") }, 2000,
                       "a plain copy of the file alone is complete")
    }

    func testBackupIsAConsistentCopyAndNeverOverwrites() throws {
        let dir = TemporaryDirectory()
        let store = try Store(path: dir.path("p.db"))
        try store.write { try $0.execute("INSERT INTO datasets (name, created_at) VALUES ('d', 0)") }
        let reader = try Store(path: dir.path("p.db"), access: .readOnly)
        try reader.backup(to: dir.path("b.db"))
        let backup = try Store(path: dir.path("b.db"), access: .readOnly)
        XCTAssertEqual(try backup.read { try $0.value(String.self, "SELECT name FROM datasets") }, "d")
        XCTAssertEqual(try backup.read { try $0.value(Int.self, "PRAGMA user_version") }, Schema.version)
        XCTAssertThrowsError(try reader.backup(to: dir.path("b.db"))) { error in
            XCTAssertEqual(error as? StoreError, .backupTargetExists(path: dir.path("b.db")))
        }
        let names = try FileManager.default.contentsOfDirectory(atPath: dir.url.path)
        XCTAssertFalse(names.contains { $0.contains("partial") }, "\(names)")
    }
}

import Foundation
@testable import PEFTData
import PEFTStore
import PEFTTestSupport
import XCTest

/// A temporary database plus a directory of images and manifests for ingest tests.
final class IngestSandbox {
    let directory: URL
    let store: Store

    init(_ label: String = "ingest") throws {
        directory = try Fixtures.temporaryDirectory(label)
        store = try Store(path: TestDatabase.locator(directory.appendingPathComponent("test.db").path))
    }

    deinit { try? FileManager.default.removeItem(at: directory) }

    func url(_ name: String) -> URL { directory.appendingPathComponent(name) }

    @discardableResult
    func write(_ name: String, _ bytes: [UInt8]) throws -> URL {
        let url = url(name)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(bytes).write(to: url)
        return url
    }

    @discardableResult
    func write(_ name: String, text: String) throws -> URL { try write(name, Array(text.utf8)) }

    /// A small valid JPEG whose content depends on `seed`.
    func jpeg(_ name: String, seed: Int = 0) throws {
        try write(name, try JPEGCodec.encode(TestImages.gradient(width: 24 + seed % 7, height: 18, seed: seed)))
    }

    func count(_ sql: String) throws -> Int {
        try value(Int.self, sql) ?? -1
    }

    /// The first column of the first row of a query.
    func value<T: SQLValueConvertible>(_ type: T.Type, _ sql: String) throws -> T? {
        try store.read { tx in try tx.value(type, sql) }
    }

    /// Every row of a query.
    func rows(_ sql: String) throws -> [SQLRow] {
        try store.read { tx in try tx.rows(sql) }
    }

    /// Fails unless SQLite finds the database file intact (`PRAGMA integrity_check`); a PostgreSQL server keeps
    /// its own files, so there is nothing to check there.
    func assertIntact(file: StaticString = #filePath, line: UInt = #line) throws {
        guard store.dialect == .sqlite else { return }
        XCTAssertEqual(try value(String.self, "PRAGMA integrity_check"), "ok", file: file, line: line)
    }

    /// (line, field, reason) of every quarantine row, by line.
    func quarantine() throws -> [(line: Int, field: String?, reason: String)] {
        try rows("SELECT line, field, reason FROM quarantine ORDER BY line, id").map {
            (line: try $0["line"] as Int, field: try $0["field"] as String?, reason: try $0["reason"] as String)
        }
    }

    func ingestor() -> Ingestor { Ingestor(store: store, tokenizer: nil) }
}

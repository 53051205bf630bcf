import Foundation
import GRDB
@testable import PEFTData
import PEFTStore
import XCTest

/// A temporary database plus a directory of images and manifests for ingest tests.
final class IngestSandbox {
    let directory: URL
    let store: Store

    init(_ label: String = "ingest") throws {
        directory = try Fixtures.temporaryDirectory(label)
        store = try Store(path: directory.appendingPathComponent("test.db").path)
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
        try store.grdbRead { db in try Int.fetchOne(db, sql: sql) ?? -1 }
    }

    /// (line, field, reason) of every quarantine row, by line.
    func quarantine() throws -> [(line: Int, field: String?, reason: String)] {
        try store.grdbRead { db in
            try Row.fetchAll(db, sql: "SELECT line, field, reason FROM quarantine ORDER BY line").map {
                (line: $0["line"] as Int, field: $0["field"] as String?, reason: $0["reason"] as String)
            }
        }
    }

    func ingestor() -> Ingestor { Ingestor(store: store, tokenizer: nil) }
}

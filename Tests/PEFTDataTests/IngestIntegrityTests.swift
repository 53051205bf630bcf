import Foundation
@testable import PEFTData
import PEFTStore
import XCTest

/// Ingest stores a row as written or quarantines it with its line and reason: never cut at a NUL, never with
/// U+FFFD for bytes that were not UTF-8, never dropped as a "duplicate" that says something else, and one stray
/// CSV quote costs one row.
final class IngestIntegrityTests: XCTestCase {
    private func textOnly() -> IngestOptions {
        var options = IngestOptions(threads: 2, batchSize: 2)
        options.mapping.image = nil
        return options
    }

    func testNULAndInvalidUTF8AreQuarantinedNotAltered() throws {
        let sandbox = try IngestSandbox()
        var bytes = Array(#"{"id": "nul", "text": "before\u0000after"}"#.utf8) + [0x0A]
        bytes += Array(#"{"id": "latin1", "text": "caf"#.utf8) + [0xE9] + Array(#""}"#.utf8) + [0x0A]
        bytes += Array(#"{"id": "ok", "text": "café ☕"}"#.utf8) + [0x0A]
        bytes += Array(#"{"id": "split", "text": "t", "split": "tr\u0000ain"}"#.utf8) + [0x0A]
        let manifest = try sandbox.write("m.jsonl", bytes)
        let summary = try sandbox.ingestor().ingest(dataset: "d", manifest: manifest, options: textOnly())
        XCTAssertEqual([summary.rows, summary.stored, summary.quarantined, summary.duplicates], [4, 1, 3, 0])
        XCTAssertEqual(try sandbox.value(String.self, "SELECT text FROM examples"), "café ☕")
        let quarantine = try sandbox.quarantine()
        XCTAssertEqual(quarantine.map(\.line), [1, 2, 4])
        XCTAssertEqual(quarantine[0].field, "text")
        XCTAssertTrue(quarantine[0].reason.contains("NUL character (U+0000) at character 7"), quarantine[0].reason)
        XCTAssertTrue(quarantine[1].reason.contains("not valid UTF-8 (byte 30 of the line)"), quarantine[1].reason)
        XCTAssertEqual(quarantine[2].field, "split")
    }

    func testInvalidUTF8InCSVAndMMSD2IsReportedAtItsLine() throws {
        let sandbox = try IngestSandbox()
        let csv = try sandbox.write("m.csv", Array("id,text\n1,one\n2,tw".utf8) + [0xFF] + Array("o\n3,three\n".utf8))
        let summary = try sandbox.ingestor().ingest(dataset: "c", manifest: csv, options: textOnly())
        XCTAssertEqual([summary.rows, summary.stored, summary.quarantined], [3, 2, 1])
        XCTAssertEqual(try sandbox.quarantine().map(\.line), [3])

        let array = try sandbox.write("m.json", Array("[\n{\"image_id\": \"1\", \"text\": \"a\", \"label\": 0},\n{\"image_id\": \"2\", \"text\": \"".utf8)
                                      + [0xC3, 0x28] + Array("\", \"label\": 1}\n]\n".utf8))
        XCTAssertThrowsError(try sandbox.ingestor().ingest(dataset: "m", manifest: array)) { error in
            XCTAssertEqual(error as? DataError, .badManifest(path: array.standardizedFileURL.path, line: 3,
                                                             reason: ManifestLines.invalidUTF8Reason(ManifestLines.Line(
                                                                number: 3, text: nil, terminator: "\n", invalidByteOffset: 27))))
        }
    }

    func testRepeatedIdsAreDuplicatesOnlyWhenTheContentIsTheSame() throws {
        let sandbox = try IngestSandbox()
        let manifest = try sandbox.write("m.jsonl", text: """
            {"id": "a", "text": "first"}
            {"id": "a", "text": "first"}
            {"id": "a", "text": "something else"}
            {"id": "b", "text": "second"}
            """)
        let summary = try sandbox.ingestor().ingest(dataset: "d", manifest: manifest, options: textOnly())
        XCTAssertEqual([summary.rows, summary.stored, summary.duplicates, summary.quarantined], [4, 2, 1, 1])
        let quarantine = try sandbox.quarantine()
        XCTAssertEqual(quarantine.map(\.line), [3])
        XCTAssertEqual(quarantine[0].field, "id")
        XCTAssertTrue(quarantine[0].reason.contains("id 'a' is also used by line 1 with different content"),
                      quarantine[0].reason)

        // Against an earlier ingest: the same rows are duplicates, a changed one is quarantined and nothing changes.
        let again = try sandbox.write("m2.jsonl", text: """
            {"id": "a", "text": "first"}
            {"id": "b", "text": "second, edited"}
            """)
        let second = try sandbox.ingestor().ingest(dataset: "d", manifest: again, options: textOnly())
        XCTAssertEqual([second.rows, second.stored, second.duplicates, second.quarantined], [2, 0, 1, 1])
        XCTAssertEqual(try sandbox.value(String.self, "SELECT text FROM examples WHERE source_key = 'b'"),
                       "second")
        let reason = try sandbox.value(String.self, "SELECT reason FROM quarantine WHERE file LIKE '%m2.jsonl'")
        XCTAssertTrue(reason?.contains("already stored (by an earlier ingest) with different text") == true, reason ?? "")
    }

    func testAChangedImageUnderAStoredIdIsAConflict() throws {
        let sandbox = try IngestSandbox()
        try sandbox.jpeg("a.jpg", seed: 1)
        let manifest = try sandbox.write("m.jsonl", text: #"{"id": "x", "image": "a.jpg", "text": "t"}"#)
        XCTAssertEqual(try sandbox.ingestor().ingest(dataset: "d", manifest: manifest).stored, 1)
        XCTAssertEqual(try sandbox.ingestor().ingest(dataset: "d", manifest: manifest).duplicates, 1, "re-ingest")
        try sandbox.jpeg("a.jpg", seed: 2)
        let changed = try sandbox.ingestor().ingest(dataset: "d", manifest: manifest)
        XCTAssertEqual([changed.duplicates, changed.quarantined], [0, 1])
        XCTAssertTrue(try sandbox.quarantine()[0].reason.contains("different image"))
        // The image file gone: the stored copy is the example's image, so it is a duplicate, not an error.
        try FileManager.default.removeItem(at: sandbox.url("a.jpg"))
        XCTAssertEqual(try sandbox.ingestor().ingest(dataset: "d", manifest: manifest).duplicates, 1)
    }

    /// Four data rows, the first with an unbalanced quote: it used to swallow the rest ("2 rows, 1 stored").
    func testUnbalancedCSVQuoteCostsOneRowAndTheCountsAddUp() throws {
        let sandbox = try IngestSandbox()
        let manifest = try sandbox.write("m.csv", text: "id,text\n1,\"hello\n2,world\n3,foo\n4,bar\n")
        let summary = try sandbox.ingestor().ingest(dataset: "d", manifest: manifest, options: textOnly())
        XCTAssertEqual([summary.rows, summary.stored, summary.quarantined, summary.duplicates], [4, 3, 1, 0])
        let quarantine = try sandbox.quarantine()
        XCTAssertEqual(quarantine.map(\.line), [2])
        XCTAssertTrue(quarantine[0].reason.contains("unbalanced quote"), quarantine[0].reason)

        // A quote closing lines later with the wrong column count is re-split too; a proper multi-line field stays.
        let later = try sandbox.write("n.csv", text: "id,text\n5,\"open\n6,x\n7,close\" here,extra\n8,\"two\nlines\"\n9,end\n")
        let second = try sandbox.ingestor().ingest(dataset: "e", manifest: later, options: textOnly())
        XCTAssertEqual([second.rows, second.stored, second.quarantined], [5, 3, 2])
        XCTAssertEqual(try sandbox.value(String.self, "SELECT text FROM examples WHERE source_key = '8'"),
                       "two\nlines")
        XCTAssertEqual(try sandbox.rows("SELECT line FROM quarantine WHERE file LIKE '%n.csv' ORDER BY line")
            .map { try $0["line"] as Int }, [2, 4])
    }
}

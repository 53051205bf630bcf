import Foundation
import GRDB
@testable import PEFTData
import PEFTStore
import XCTest

/// Ingest under hostile input: 1 200 mutated or truncated images and 300 malformed manifest rows. Nothing may
/// crash; every bad row must be quarantined with a reason; every good row must be stored.
final class IngestFuzzTests: XCTestCase {
    func testMutatedImagesAndMalformedRowsAreQuarantinedAndTheRestStored() throws {
        let sandbox = try IngestSandbox("fuzz")
        var rng = SplitMix64(seed: 2024)
        let seeds = [
            try JPEGCodec.encode(TestImages.gradient(width: 40, height: 30, seed: 1), quality: 85),
            try JPEGCodec.encode(TestImages.gradient(width: 33, height: 41, seed: 2), progressive: true),
            try PNGCodec.encode(TestImages.gradient(width: 29, height: 23, seed: 3)),
            try PNGCodec.encode(TestImages.gradient(width: 31, height: 17, seed: 4), interlaced: true),
        ]
        var lines: [String] = []
        var expectedBad = 0, expectedGood = 0
        for i in 0..<1200 {
            var bytes = seeds[i % seeds.count]
            switch rng.int(in: 0...4) {
            case 0: bytes = Array(bytes.prefix(rng.int(in: 0...(bytes.count - 1))))
            case 1:
                for _ in 0...rng.int(in: 0...5) { bytes[rng.int(in: 0...(bytes.count - 1))] = UInt8(truncatingIfNeeded: rng.next()) }
            case 2: bytes.insert(contentsOf: (0..<rng.int(in: 1...32)).map { _ in UInt8(truncatingIfNeeded: rng.next()) },
                                 at: rng.int(in: 0...(bytes.count - 1)))
            case 3: bytes = (0..<rng.int(in: 0...64)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            default: break  // intact
            }
            try sandbox.write("img/\(i).bin", bytes)
            if (try? ImageDecoder.decode(bytes)) == nil { expectedBad += 1 } else { expectedGood += 1 }
            lines.append(#"{"id": "img-\#(i)", "image": "img/\#(i).bin", "text": "row \#(i)", "label": \#(i % 2)}"#)
        }
        let malformed = [
            #"{"id": "m", "image": "img/0.bin", "label": 1}"#,                  // missing text
            #"{"id": "m", "image": "img/0.bin", "text": "t", "label": -1}"#,   // bad label
            #"{"id": "m", "image": "img/0.bin", "text": "t", "label": 2.5}"#,  // bad label
            #"{"id": "m", "image": "../../etc/passwd", "text": "t", "label": 0}"#,  // escapes the root
            #"{"id": "m", "image": "img/none.jpg", "text": "t", "label": 0}"#,  // missing file
            #"{"id": "m", "image": 42, "text": "t", "label": 0}"#,              // image not a path
            #"{"id": "m", "text": "t", "label": 0}"#,                           // missing image
            #"{"id": "m", "image": "img/0.bin", "text": ["t"], "label": 0}"#,  // text not text
            #"{"id": "m", "image": "img/0.bin""#,                               // truncated JSON
            #"["not", "an", "object"]"#,
            "\u{0}\u{1}garbage\u{7f}",
        ]
        for k in 0..<300 {
            lines.append(malformed[k % malformed.count].replacingOccurrences(of: #""id": "m""#, with: #""id": "m\#(k)""#))
        }
        // Interleave so every batch mixes good and bad rows.
        var order = Array(lines.indices)
        order.shuffle(using: &rng)
        let manifest = try sandbox.write("manifest.jsonl", text: order.map { lines[$0] }.joined(separator: "\n"))

        var options = IngestOptions(threads: 2, batchSize: 100)
        options.mapping.label = "label"
        let summary = try sandbox.ingestor().ingest(dataset: "fuzz", manifest: manifest, options: options)
        XCTAssertEqual(summary.rows, 1500)
        XCTAssertEqual(summary.stored, expectedGood)
        XCTAssertEqual(summary.quarantined, expectedBad + 300)
        XCTAssertEqual(summary.duplicates, 0)
        XCTAssertGreaterThan(expectedBad, 700)
        let quarantine = try sandbox.quarantine()
        XCTAssertEqual(quarantine.count, expectedBad + 300)
        XCTAssertTrue(quarantine.allSatisfy { !$0.reason.isEmpty && $0.line >= 1 })
        XCTAssertEqual(try sandbox.count("SELECT COUNT(*) FROM examples"), expectedGood)
        XCTAssertEqual(try sandbox.store.read { db in try String.fetchOne(db, sql: "PRAGMA integrity_check") }, "ok")
    }
}

import Foundation
@testable import PEFTData
import PEFTStore
import XCTest

/// Ingest under hostile input: 1 200 mutated or truncated images and 300 malformed manifest rows; mutated
/// manifests (JSONL, CSV, TSV, MMSD2.0); images with forged headers. Nothing may crash or hang; every bad row must
/// be quarantined with a reason; every good row must be stored; an ingest's counts add up to its rows.
///
/// `PEFTLAB_FUZZ_SCALE=N` multiplies the manifest and image trials (default 3 000 manifests and 2 000 images).
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
        try sandbox.assertIntact()
    }

    private var scale: Int { Int(ProcessInfo.processInfo.environment["PEFTLAB_FUZZ_SCALE"] ?? "") ?? 1 }

    private static let seeds: [(ManifestFormat, String)] = [
        (.jsonl, #"{"id": "1", "text": "a \"quoted\" caption", "label": 1, "split": "val"}"# + "\n"
            + #"{"id": "2", "text": "café ☕", "label": 0, "audio": [[0.5, 1], [2, 3]]}"# + "\n"),
        (.csv, "id,text,label\n1,\"a, b\",1\n2,\"two\nlines\",0\n3,plain,1\n"),
        (.tsv, "id\ttext\tlabel\n1\thello\t1\n2\t\"tab\tinside\"\t0\n"),
        (.mmsd2, #"[{"image_id": "1", "text": "x", "label": 0}, {"image_id": "2", "text": "y", "label": 1}]"#),
    ]

    private static let insertions: [[UInt8]] = [
        [0x22], [0x22, 0x22], [0x2C], [0x09], [0x0A], [0x0D], [0x0D, 0x0A], [0x00], [0xFF], [0xC3], [0xC3, 0x28],
        [0xE2, 0x82], [0xEF, 0xBB, 0xBF], Array(#"\u0000"#.utf8), Array(#"{"id": "1"}"#.utf8), Array("[[[[".utf8),
        Array(#"": ""#.utf8), Array("\n1,\"".utf8),
    ]

    func testMutatedManifestsAlwaysYieldRowsOrReasonsAndIngestCountsAddUp() throws {
        var rng = SplitMix64(seed: 77)
        let sandbox = try IngestSandbox("manifest-fuzz")
        var parsed = 0, refused = 0, rows = 0, problems = 0, ingested = 0, slowest = 0.0
        for trial in 0..<(3000 * scale) {
            let (format, seed) = Self.seeds[trial % Self.seeds.count]
            var bytes = Array(seed.utf8)
            for _ in 0...rng.int(in: 0...3) {
                switch rng.int(in: 0...3) {
                case 0 where !bytes.isEmpty: bytes[rng.int(in: 0...(bytes.count - 1))] = UInt8(truncatingIfNeeded: rng.next())
                case 1: bytes.insert(contentsOf: rng.pick(Self.insertions), at: rng.int(in: 0...bytes.count))
                case 2 where bytes.count > 1:
                    let at = rng.int(in: 0...(bytes.count - 1))
                    bytes.removeSubrange(at..<min(bytes.count, at + 1 + rng.int(in: 0...8)))
                default: bytes = Array(bytes.prefix(rng.int(in: 0...bytes.count)))
                }
            }
            let start = Date()
            do {
                let manifest = try Manifest.parse(Data(bytes), format: format, path: "fuzz.\(format.rawValue)")
                parsed += 1
                let lines = manifest.rows.map(\.line)
                XCTAssertEqual(lines, lines.sorted(), "rows in file order")
                XCTAssertEqual(Set(lines).count, lines.count, "one row per line")
                for row in manifest.rows {
                    XCTAssertGreaterThanOrEqual(row.line, 1)
                    if let error = row.parseError { XCTAssertFalse(error.isEmpty); problems += 1 }
                    if !Self.containsReplacementCharacter(bytes) {
                        for case .string(let text) in row.fields.values {
                            XCTAssertFalse(text.contains("\u{FFFD}"), "a byte that is not UTF-8 became U+FFFD")
                        }
                    }
                }
                rows += manifest.rows.count
            } catch let error as DataError {
                refused += 1
                XCTAssertFalse(error.description.isEmpty)
            }
            if trial % 50 == 0 {
                let file = try sandbox.write("m\(trial).\(format == .mmsd2 ? "json" : format.rawValue)", bytes)
                var options = IngestOptions(threads: 2, batchSize: 3)
                options.mapping = FieldMapping.defaults(for: format)
                options.mapping.image = nil
                options.mapping.label = "label"
                if let summary = try? sandbox.ingestor().ingest(dataset: "f\(trial)", manifest: file, options: options) {
                    XCTAssertEqual(summary.stored + summary.duplicates + summary.quarantined, summary.rows,
                                   String(decoding: bytes, as: UTF8.self))
                    ingested += 1
                }
            }
            slowest = max(slowest, Date().timeIntervalSince(start))
        }
        XCTAssertLessThan(slowest, 10)
        try sandbox.assertIntact()
        let quarantine = try sandbox.rows("SELECT line, reason FROM quarantine")
        XCTAssertTrue(try quarantine.allSatisfy { row in
            let (line, reason): (Int?, String) = (try row["line"], try row["reason"])
            return (line ?? 0) >= 1 && !reason.isEmpty
        })
        print("manifest fuzz: \(parsed + refused) manifests (\(parsed) parsed into \(rows) rows, \(problems) with a "
              + "reason; \(refused) refused whole), \(ingested) ingested with counts adding up, "
              + String(format: "slowest %.3f s", slowest))
    }

    /// PNG and JPEG headers forged to announce huge sizes are refused from the header, before any allocation;
    /// random corruption of the rest never crashes the decoder.
    func testForgedAndCorruptImagesAreTypedErrors() throws {
        var rng = SplitMix64(seed: 99)
        let png = try PNGCodec.encode(TestImages.gradient(width: 21, height: 13))
        let jpeg = try JPEGCodec.encode(TestImages.gradient(width: 30, height: 20), quality: 80)
        var refused = 0, decoded = 0, slowest = 0.0
        for trial in 0..<(2000 * scale) {
            var bytes = trial % 2 == 0 ? png : jpeg
            switch rng.int(in: 0...3) {
            case 0:
                let width = UInt32(rng.int(in: 1...200_000)), height = UInt32(rng.int(in: 1...200_000))
                bytes = trial % 2 == 0 ? Self.forgingPNG(bytes, width: width, height: height)
                                       : Self.forgingJPEG(bytes, width: UInt16(truncatingIfNeeded: width),
                                                          height: UInt16(truncatingIfNeeded: height))
            case 1:
                for _ in 0...rng.int(in: 0...6) { bytes[rng.int(in: 0...(bytes.count - 1))] = UInt8(truncatingIfNeeded: rng.next()) }
            case 2: bytes = Array(bytes.prefix(rng.int(in: 0...(bytes.count - 1))))
            default: bytes += (0..<rng.int(in: 1...64)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            }
            let start = Date()
            do {
                let image = try ImageDecoder.decode(bytes, options: ImageDecodeOptions(maxPixels: 1_000_000))
                XCTAssertLessThanOrEqual(image.width * image.height, 1_000_000)
                decoded += 1
            } catch {
                XCTAssertFalse(error.description.isEmpty)
                refused += 1
            }
            slowest = max(slowest, Date().timeIntervalSince(start))
        }
        XCTAssertLessThan(slowest, 10)
        print("image fuzz: \(decoded + refused) images, \(decoded) decoded, \(refused) refused with a typed error, "
              + String(format: "slowest %.3f s", slowest))
    }

    /// `png` with its IHDR size replaced (and the chunk CRC fixed, so only the size is wrong).
    private static func forgingPNG(_ png: [UInt8], width: UInt32, height: UInt32) -> [UInt8] {
        var bytes = png
        let be = { (v: UInt32) in [UInt8(v >> 24), UInt8(v >> 16 & 255), UInt8(v >> 8 & 255), UInt8(v & 255)] }
        bytes.replaceSubrange(16..<24, with: be(width) + be(height))
        bytes.replaceSubrange(29..<33, with: be(crc32(Array(bytes[12..<29]))))
        return bytes
    }

    /// `jpeg` with its SOF0 frame size replaced.
    private static func forgingJPEG(_ jpeg: [UInt8], width: UInt16, height: UInt16) -> [UInt8] {
        var bytes = jpeg
        guard let sof = (0..<(bytes.count - 9)).first(where: { bytes[$0] == 0xFF && bytes[$0 + 1] == 0xC0 }) else {
            return bytes
        }
        bytes.replaceSubrange((sof + 5)..<(sof + 9), with: [UInt8(height >> 8), UInt8(height & 255),
                                                             UInt8(width >> 8), UInt8(width & 255)])
        return bytes
    }

    /// True when `bytes` hold U+FFFD's own UTF-8 encoding (EF BF BD), the only way it may appear in a field.
    private static func containsReplacementCharacter(_ bytes: [UInt8]) -> Bool {
        bytes.count >= 3 && (0...(bytes.count - 3)).contains { bytes[$0] == 0xEF && bytes[$0 + 1] == 0xBF && bytes[$0 + 2] == 0xBD }
    }

    private static func crc32(_ data: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in data {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = (crc >> 1) ^ (crc & 1 == 1 ? 0xEDB8_8320 : 0) }
        }
        return ~crc
    }
}

import Foundation
import PEFTCLIP
@testable import PEFTData
import PEFTStore
import XCTest

/// Manifest ingestion into the database: formats, mapping, content addressing, re-ingest, quarantine, resume.
final class IngestTests: XCTestCase {
    func testBuiltinDatasetIngestsAndReingestAddsNothing() throws {
        let sandbox = try IngestSandbox()
        let made = try BuiltinDatasets.make("sentiment", into: sandbox.url("sentiment"), seed: 4, examples: 50)
        var options = IngestOptions(threads: 2, batchSize: 16)
        options.mapping.label = "label"
        options.mapping.score = "score"
        options.mapping.features = ["audio"]
        let first = try sandbox.ingestor().ingest(dataset: "sentiment", manifest: made.manifest, options: options)
        XCTAssertEqual([first.rows, first.stored, first.duplicates, first.quarantined, first.newImages], [50, 50, 0, 0, 50])
        XCTAssertEqual(try sandbox.count("SELECT COUNT(*) FROM examples WHERE label BETWEEN 0 AND 6 AND score IS NOT NULL"), 50)
        XCTAssertEqual(try sandbox.count("SELECT COUNT(*) FROM example_features WHERE name = 'audio' AND shape = '[8,16]' AND length(data) = 512"), 50)
        XCTAssertEqual(try sandbox.count("SELECT COUNT(*) FROM images"), 50)
        XCTAssertEqual(try sandbox.count("SELECT COUNT(*) FROM datasets WHERE name = 'sentiment' AND task = 'classification'"), 1)
        XCTAssertEqual(try sandbox.count("SELECT COUNT(*) FROM manifests WHERE completed_at IS NOT NULL AND rows_stored = 50"), 1)

        let again = try sandbox.ingestor().ingest(dataset: "sentiment", manifest: made.manifest, options: options)
        XCTAssertEqual([again.stored, again.duplicates, again.quarantined, again.newImages], [0, 50, 0, 0])
        XCTAssertEqual(try sandbox.count("SELECT COUNT(*) FROM examples"), 50)
        XCTAssertEqual(try sandbox.count("SELECT COUNT(*) FROM manifests"), 1)
        XCTAssertEqual(try sandbox.count("SELECT COUNT(*) FROM events WHERE kind = 'ingest'"), 2)
    }

    func testImagesAreContentAddressedAndStoredOnce() throws {
        let sandbox = try IngestSandbox()
        try sandbox.jpeg("a.jpg", seed: 1)
        try sandbox.write("copy-of-a.jpg", Array(try Data(contentsOf: sandbox.url("a.jpg"))))
        try sandbox.jpeg("b.jpg", seed: 2)
        let manifest = try sandbox.write("m.jsonl", text: """
            {"id": "1", "image": "a.jpg", "text": "first"}
            {"id": "2", "image": "copy-of-a.jpg", "text": "same bytes, other name"}
            {"id": "3", "image": "b.jpg", "text": "different"}
            """)
        let summary = try sandbox.ingestor().ingest(dataset: "d", manifest: manifest)
        XCTAssertEqual(summary.stored, 3)
        XCTAssertEqual(summary.newImages, 2)
        let sha = SHA256.hexDigest(Array(try Data(contentsOf: sandbox.url("a.jpg"))))
        XCTAssertEqual(try sandbox.count("SELECT COUNT(*) FROM examples WHERE image_sha256 = '\(sha)'"), 2)
        XCTAssertEqual(try sandbox.count("SELECT width FROM images WHERE sha256 = '\(sha)'"), 25)
    }

    func testBadRowsAreQuarantinedWithFileLineAndReason() throws {
        let sandbox = try IngestSandbox()
        try sandbox.jpeg("images/ok.jpg")
        let good = try JPEGCodec.encode(TestImages.gradient(width: 120, height: 90))
        try sandbox.write("images/truncated.jpg", Array(good.prefix(good.count * 3 / 4)))
        try sandbox.write("images/anim.gif", Array("GIF89a\u{1}\u{0}\u{1}\u{0}".utf8))
        try sandbox.jpeg("outside.jpg")
        let manifest = try sandbox.write("images/m.jsonl", text: """
            {"id": "ok", "image": "ok.jpg", "text": "fine", "label": 1}
            {"id": "missing", "image": "nope.jpg", "text": "x", "label": 0}
            {"id": "trunc", "image": "truncated.jpg", "text": "x", "label": 0}
            {"id": "gif", "image": "anim.gif", "text": "x", "label": 0}
            {"id": "notext", "image": "ok.jpg", "label": 0}
            {"id": "badlabel", "image": "ok.jpg", "text": "x", "label": "abc"}
            {"id": "escape", "image": "../outside.jpg", "text": "x", "label": 0}
            {"id": "absolute", "image": "\(sandbox.url("outside.jpg").path)", "text": "x", "label": 0}
            {"id": "broken json", "image":
            [1, 2, 3]

            {"id": "ok2", "image": "ok.jpg", "text": "also fine", "label": "1"}
            """)
        var options = IngestOptions()
        options.mapping.label = "label"
        let summary = try sandbox.ingestor().ingest(dataset: "d", manifest: manifest, options: options)
        XCTAssertEqual([summary.rows, summary.stored, summary.quarantined], [11, 2, 9])
        let rows = try sandbox.quarantine()
        XCTAssertEqual(rows.map(\.line), [2, 3, 4, 5, 6, 7, 8, 9, 10])
        let expectations: [(String?, String)] = [
            ("image", "image file not found"), ("image", "Premature end of JPEG file"),
            ("image", "unsupported image format"), ("text", "missing field 'text'"),
            ("label", "must be a class index from 0 to 65535 (found \"abc\")"),
            ("image", "escapes the image root"), ("image", "escapes the image root"),
            (nil, "line is not valid JSON"), (nil, "expected a JSON object, found an array of 3 values"),
        ]
        for (row, (field, reason)) in zip(rows, expectations) {
            XCTAssertEqual(row.field, field, "line \(row.line)")
            XCTAssertTrue(row.reason.contains(reason), "line \(row.line): \(row.reason)")
        }
        XCTAssertEqual(try sandbox.count("SELECT COUNT(*) FROM quarantine WHERE file = '\(manifest.path)'"), 9)
        XCTAssertEqual(try sandbox.count("SELECT rows_quarantined FROM manifests"), 9)

        // Fix one image and re-run: its quarantine entry goes away and the row is stored.
        try sandbox.jpeg("images/nope.jpg", seed: 5)
        let rerun = try sandbox.ingestor().ingest(dataset: "d", manifest: manifest, options: options)
        XCTAssertEqual([rerun.stored, rerun.duplicates, rerun.quarantined], [1, 2, 8])
        XCTAssertFalse(try sandbox.quarantine().contains { $0.line == 2 })
    }

    func testCSVTSVAndMMSD2Layouts() throws {
        let sandbox = try IngestSandbox()
        try sandbox.jpeg("img/101.jpg", seed: 1)
        try sandbox.jpeg("img/102.jpg", seed: 2)
        let csv = try sandbox.write("m.csv", text: """
            id,image,text,label,audio,source
            a,img/101.jpg,"a caption, with a comma",positive,"[[1,2],[3,4]]",web
            b,img/102.jpg,"a ""quoted""
            two-line caption",negative,"[[5,6],[7,8]]",web
            c,img/101.jpg,too few columns
            d,img/102.jpg,text,neutral,"[[1,2],[3]]",web
            """)
        var options = IngestOptions()
        options.mapping.label = "label"
        options.mapping.labelNames = ["negative", "positive"]
        options.mapping.features = ["audio"]
        let summary = try sandbox.ingestor().ingest(dataset: "csv", manifest: csv, options: options)
        XCTAssertEqual([summary.stored, summary.quarantined], [2, 2])
        let lines = try sandbox.quarantine()
        XCTAssertEqual(lines.map(\.line), [5, 6], "records are numbered by the physical line they start on")
        XCTAssertTrue(lines[0].reason.contains("expected 6 columns, found 3"))
        XCTAssertTrue(lines[1].reason.contains("one of negative, positive"), lines[1].reason)
        let text = try sandbox.value(String.self, "SELECT text FROM examples WHERE source_key = 'b'")
        XCTAssertEqual(text, "a \"quoted\"\ntwo-line caption")
        XCTAssertEqual(try sandbox.count("SELECT label FROM examples WHERE source_key = 'a'"), 1)
        let extra = try sandbox.value(String.self, "SELECT extra_json FROM examples WHERE source_key = 'a'")
        XCTAssertEqual(extra, #"{"source":"web"}"#)

        let tsv = try sandbox.write("m.tsv", text: "id\timage\ttext\nt1\timg/101.jpg\ttab separated\n")
        XCTAssertEqual(try sandbox.ingestor().ingest(dataset: "tsv", manifest: tsv).stored, 1)

        let mmsd = try sandbox.write("mmsd.json", text: """
            [{"image_id": "101", "text": "so great #not", "label": 1},
             {"image_id": "102", "text": "nice view", "label": 0},
             {"image_id": "103", "text": "no such image", "label": 0}]
            """)
        let mmsdSummary = try sandbox.ingestor().ingest(
            dataset: "mmsd", manifest: mmsd,
            options: IngestOptions(mapping: .defaults(for: .mmsd2), imageRoot: sandbox.url("img")))
        XCTAssertEqual([mmsdSummary.stored, mmsdSummary.quarantined], [2, 1])
        XCTAssertEqual(try sandbox.count("SELECT COUNT(*) FROM examples WHERE source_key IN ('101', '102') AND label IS NOT NULL"), 2)
    }

    func testExtraImageFieldsAndTokenIds() throws {
        let sandbox = try IngestSandbox()
        let made = try BuiltinDatasets.make("dialog", into: sandbox.url("dialog"), seed: 5, examples: 6)
        var options = IngestOptions()
        options.mapping.extraImages = ["distractors"]
        let tokenizer = try CLIPTokenizer.bundled()
        let summary = try Ingestor(store: sandbox.store, tokenizer: tokenizer)
            .ingest(dataset: "dialog", manifest: made.manifest, options: options)
        XCTAssertEqual([summary.stored, summary.newImages], [12, 36], "6 image rows (1 + 4 images each), 6 response rows (1 each)")
        let row = try XCTUnwrap(try sandbox.rows("SELECT text, token_ids, extra_json FROM examples ORDER BY id LIMIT 1").first)
        let blob: Data = try row["token_ids"]
        let ids = blob.withUnsafeBytes { Array($0.bindMemory(to: Int32.self)) }
        XCTAssertEqual(ids.map(Int.init), tokenizer.encode(try row["text"] as String))
        let extra = try JSONValue.parse(Data((try row["extra_json"] as String).utf8))
        guard case .object(let fields) = extra, case .array(let hashes)? = fields["distractors"] else {
            return XCTFail("extra_json lacks distractors: \(extra)")
        }
        XCTAssertEqual(hashes.count, 4)
        for case .string(let sha) in hashes {
            XCTAssertEqual(try sandbox.count("SELECT COUNT(*) FROM images WHERE sha256 = '\(sha)'"), 1)
        }
        XCTAssertEqual(try sandbox.count("SELECT COUNT(*) FROM datasets WHERE task = 'retrieval'"), 1)
    }

    func testPixelCacheStoresTheResizedCrop() throws {
        let sandbox = try IngestSandbox()
        try sandbox.jpeg("x.jpg", seed: 3)
        let manifest = try sandbox.write("m.jsonl", text: #"{"id": "x", "image": "x.jpg", "text": "t"}"#)
        let preprocessor = CLIPPreprocessor(config: CLIPPreprocessConfig(side: 16))
        _ = try sandbox.ingestor().ingest(dataset: "d", manifest: manifest,
                                          options: IngestOptions(pixelCache: preprocessor))
        let row = try XCTUnwrap(try sandbox.rows("SELECT preprocess_hash, dtype, shape, data FROM image_tensors").first)
        XCTAssertEqual(try row["preprocess_hash"] as String, preprocessor.cacheKey)
        XCTAssertEqual(try row["shape"] as String, "[16,16,3]")
        let expected = try preprocessor.resizedAndCropped(try ImageDecoder.decode(Array(try Data(contentsOf: sandbox.url("x.jpg")))))
        XCTAssertEqual([UInt8](try row["data"] as Data), expected.pixels)
    }

    /// A batch prepared while its rows were new can meet them stored by another ingest when it commits (two
    /// ingests of one manifest at once): each example, feature and image is stored once, the rest count as duplicates.
    func testACommitMeetingItsRowsAlreadyStoredCountsThemAsDuplicates() throws {
        let sandbox = try IngestSandbox()
        let manifest = try Manifest.read(try sandbox.write("m.jsonl", text: #"{"id": "a", "text": "t"}"#), format: nil)
        let ids = try sandbox.store.write { tx in try IngestStore.ids(tx, dataset: "d", task: nil, manifest: manifest) }
        let row = ParsedRow(line: 1, sourceKey: "a", split: "train", text: "t",
                            features: [(name: "audio", shape: [2], values: [0.5, 1.5])], extraImages: [], extra: [:])
        var batch = IngestBatch()
        batch.images = [StoredImage(sha256: "ab", bytes: [1, 2, 3], format: .png, width: 1, height: 1, cachedPixels: nil)]
        batch.examples = [ReadyExample(row: row, tokenIds: [49406, 49407], imageSHA256: "ab", extraJSON: nil)]
        for (attempt, expected) in [[1, 0, 1], [0, 1, 0]].enumerated() {
            let result = try sandbox.store.write { tx in
                try IngestStore.commit(tx, batch: batch, datasetID: ids.dataset, manifestID: ids.manifest,
                                       file: manifest.path, preprocessHash: nil)
            }
            XCTAssertEqual([result.stored, result.duplicates, result.newImages], expected,
                           "commit \(attempt + 1): stored, duplicates, new images")
        }
        for table in ["examples", "example_features", "images"] {
            XCTAssertEqual(try sandbox.count("SELECT COUNT(*) FROM \(table)"), 1, table)
        }
        XCTAssertEqual(try sandbox.count("SELECT rows_stored FROM manifests"), 1)
    }

    func testInterruptedIngestIsConsistentAndARerunCompletesIt() throws {
        struct Interrupt: Error {}
        let sandbox = try IngestSandbox()
        let made = try BuiltinDatasets.make("sarcasm", into: sandbox.url("s"), seed: 6, examples: 40)
        var options = IngestOptions(threads: 2, batchSize: 8)
        options.mapping.label = "label"
        var batches = 0
        XCTAssertThrowsError(try sandbox.ingestor().ingest(dataset: "s", manifest: made.manifest, options: options) { _ in
            batches += 1
            if batches == 3 { throw Interrupt() }
        })
        XCTAssertEqual(try sandbox.count("SELECT COUNT(*) FROM examples"), 24, "three whole batches, nothing partial")
        XCTAssertEqual(try sandbox.count("SELECT rows_stored FROM manifests WHERE completed_at IS NULL"), 24)
        XCTAssertEqual(try sandbox.count("SELECT COUNT(*) FROM examples x LEFT JOIN images i ON i.sha256 = x.image_sha256 WHERE i.sha256 IS NULL"), 0)
        let rerun = try sandbox.ingestor().ingest(dataset: "s", manifest: made.manifest, options: options)
        XCTAssertEqual([rerun.stored, rerun.duplicates], [16, 24])
        XCTAssertEqual(try sandbox.count("SELECT COUNT(*) FROM examples"), 40)
        XCTAssertEqual(try sandbox.count("SELECT rows_stored FROM manifests WHERE completed_at IS NOT NULL"), 40)
    }
}

import Foundation
@testable import PEFTData
import XCTest

/// The procedural datasets: counts, splits, label balance, decodable files, determinism.
final class BuiltinDatasetTests: XCTestCase {
    private func rows(_ made: MadeDataset) throws -> [[String: Any]] {
        let text = try String(contentsOf: made.manifest, encoding: .utf8)
        return try text.split(separator: "\n").map {
            try XCTUnwrap(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
    }

    func testSarcasmIsBalancedSoSingleModalitiesStayAtChance() throws {
        let dir = try Fixtures.temporaryDirectory("sarcasm")
        defer { try? FileManager.default.removeItem(at: dir) }
        let made = try BuiltinDatasets.make("sarcasm", into: dir, seed: 1, examples: 400)
        XCTAssertEqual(made.examples, 400)
        XCTAssertEqual(made.splits, ["train": 280, "val": 60, "test": 60])
        let positives = try XCTUnwrap(made.positives)
        XCTAssertEqual(positives, 176, "exactly 44 %")
        let rows = try rows(made)
        // Label rate is the same whatever the caption says, and whatever the scene shows.
        for key in ["caption_sentiment", "scene_sentiment"] {
            for value in ["positive", "negative"] {
                let group = rows.filter { $0[key] as? String == value }
                let rate = Double(group.filter { $0["label"] as? Int == 1 }.count) / Double(group.count)
                XCTAssertEqual(rate, 0.44, accuracy: 0.05, "\(key) = \(value)")
            }
        }
        // Every image decodes and is 64–200 px a side.
        for row in rows.prefix(60) {
            let bytes = Array(try Data(contentsOf: dir.appendingPathComponent(try XCTUnwrap(row["image"] as? String))))
            let image = try ImageDecoder.decode(bytes)
            XCTAssertTrue((64...200).contains(image.width) && (64...200).contains(image.height))
        }
    }

    /// `datasets make` writes into a staging directory renamed into place: a previous output is replaced whole,
    /// a directory holding anything else is refused untouched, and nothing is left beside it.
    func testMakeReplacesItsOwnOutputAtomicallyAndNeverForeignFiles() throws {
        let parent = try Fixtures.temporaryDirectory("make-atomic")
        defer { try? FileManager.default.removeItem(at: parent) }
        let out = parent.appendingPathComponent("sarcasm")
        let first = try BuiltinDatasets.make("sarcasm", into: out, seed: 1, examples: 12)
        XCTAssertEqual(first.manifest, out.standardizedFileURL.appendingPathComponent("manifest.jsonl"))
        let manifest = try Data(contentsOf: first.manifest)
        let again = try BuiltinDatasets.make("sarcasm", into: out, seed: 2, examples: 5)
        XCTAssertEqual(again.examples, 5)
        XCTAssertNotEqual(try Data(contentsOf: again.manifest), manifest)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: out.appendingPathComponent("images").path).count,
                       again.images, "the old images went with the old version")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: parent.path), ["sarcasm"], "no staging left")

        let mine = parent.appendingPathComponent("mine")
        try FileManager.default.createDirectory(at: mine, withIntermediateDirectories: true)
        try Data("keep me".utf8).write(to: mine.appendingPathComponent("notes.txt"))
        XCTAssertThrowsError(try BuiltinDatasets.make("sarcasm", into: mine, examples: 3)) { error in
            XCTAssertTrue("\(error)".contains("did not write"), "\(error)")
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: mine.path), ["notes.txt"])
    }

    func testSentimentScoresLabelsAndAudioFeatures() throws {
        let dir = try Fixtures.temporaryDirectory("sentiment")
        defer { try? FileManager.default.removeItem(at: dir) }
        let made = try BuiltinDatasets.make("sentiment", into: dir, seed: 2, examples: 300)
        XCTAssertEqual(made.examples, 300)
        XCTAssertNil(made.positives)
        var labels = Set<Int>()
        for row in try rows(made) {
            let score = try XCTUnwrap(row["score"] as? Double)
            XCTAssertTrue((-3...3).contains(score))
            let label = try XCTUnwrap(row["label"] as? Int)
            XCTAssertEqual(label, Int(score.rounded()) + 3)
            labels.insert(label)
            let audio = try XCTUnwrap(row["audio"] as? [[Double]])
            XCTAssertEqual(audio.count, 8)
            XCTAssertTrue(audio.allSatisfy { $0.count == 16 })
        }
        XCTAssertGreaterThanOrEqual(labels.count, 6, "scores spread over most of the 7 classes")
    }

    func testDialogHasTargetsAndDistinctDistractors() throws {
        let dir = try Fixtures.temporaryDirectory("dialog")
        defer { try? FileManager.default.removeItem(at: dir) }
        let made = try BuiltinDatasets.make("dialog", into: dir, seed: 3, examples: 40)
        XCTAssertEqual(made.examples, 80, "40 image-retrieval rows, then 40 response-retrieval rows")
        XCTAssertEqual(made.images, 40 * 5 + 40)
        let all = try rows(made)
        for row in all.prefix(20) {
            XCTAssertEqual(row["retrieval"] as? String, "image")
            let text = try XCTUnwrap(row["text"] as? String)
            XCTAssertTrue(text.contains(try XCTUnwrap(row["object"] as? String)))
            XCTAssertTrue(text.contains(try XCTUnwrap(row["color"] as? String)))
            XCTAssertEqual((try XCTUnwrap(row["distractors"] as? [String])).count, 4)
        }
        XCTAssertTrue(made.ingestFlags.contains("--extra-image-field"))
        for row in all.suffix(20) {
            XCTAssertEqual(row["retrieval"] as? String, "response")
            let response = try XCTUnwrap(row["response"] as? String)
            XCTAssertTrue(response.contains(try XCTUnwrap(row["object"] as? String)), "the response names the photo's object")
            XCTAssertFalse(try XCTUnwrap(row["text"] as? String).contains(try XCTUnwrap(row["color"] as? String) + " "),
                           "the context text does not say the colour: only the photo shows it")
            let distractors = try XCTUnwrap(row["response_distractors"] as? [String])
            XCTAssertEqual(Set(distractors + [response]).count, 5, "four distinct distractor responses")
        }
    }

    func testSameSeedGivesIdenticalFilesAndOtherSeedsDiffer() throws {
        let a = try Fixtures.temporaryDirectory("seed-a"), b = try Fixtures.temporaryDirectory("seed-b")
        let c = try Fixtures.temporaryDirectory("seed-c")
        defer { for d in [a, b, c] { try? FileManager.default.removeItem(at: d) } }
        let madeA = try BuiltinDatasets.make("sarcasm", into: a, seed: 7, examples: 40)
        _ = try BuiltinDatasets.make("sarcasm", into: b, seed: 7, examples: 40)
        _ = try BuiltinDatasets.make("sarcasm", into: c, seed: 8, examples: 40)
        let manifestA = try Data(contentsOf: madeA.manifest)
        XCTAssertEqual(manifestA, try Data(contentsOf: b.appendingPathComponent("manifest.jsonl")))
        XCTAssertNotEqual(manifestA, try Data(contentsOf: c.appendingPathComponent("manifest.jsonl")))
        let files = try FileManager.default.contentsOfDirectory(atPath: a.appendingPathComponent("images").path).sorted()
        for file in files.prefix(30) {
            XCTAssertEqual(try Data(contentsOf: a.appendingPathComponent("images/\(file)")),
                           try Data(contentsOf: b.appendingPathComponent("images/\(file)")), file)
        }
        XCTAssertThrowsError(try BuiltinDatasets.make("nope", into: a)) { error in
            XCTAssertEqual("\(error)", "unknown dataset 'nope': expected one of sarcasm, sentiment, dialog, captions")
        }
    }
}

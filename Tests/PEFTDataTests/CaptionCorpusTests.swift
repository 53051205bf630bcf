import Foundation
@testable import PEFTData
import XCTest

/// The pretraining corpus: captions that say what the image shows, held-out rows at the end, no image shared with
/// the task datasets.
final class CaptionCorpusTests: XCTestCase {
    private func rows(_ made: MadeDataset) throws -> [[String: Any]] {
        try String(contentsOf: made.manifest, encoding: .utf8).split(separator: "\n").map {
            try XCTUnwrap(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
    }

    /// SHA-256 of every image file a dataset wrote.
    private func imageHashes(_ made: MadeDataset) throws -> Set<String> {
        let images = made.directory.appendingPathComponent("images")
        return Set(try FileManager.default.contentsOfDirectory(atPath: images.path).map {
            SHA256.hexDigest(Array(try Data(contentsOf: images.appendingPathComponent($0))))
        })
    }

    func testCorpusSharesNoImageWithTheTaskDatasets() throws {
        let dir = try Fixtures.temporaryDirectory("corpus-disjoint")
        defer { try? FileManager.default.removeItem(at: dir) }
        // The quickstart's seed for every dataset, and bare weather scenes in the corpus: the kind sarcasm draws.
        let corpus = try BuiltinDatasets.make("captions", into: dir.appendingPathComponent("captions"), seed: 0, examples: 500)
        let corpusHashes = try imageHashes(corpus)
        XCTAssertEqual(corpusHashes.count, 500, "every corpus image is distinct")
        XCTAssertTrue(try rows(corpus).contains { $0["count"] as? Int == 0 }, "bare weather scenes, like sarcasm's, are in it")
        for (name, count) in [("sarcasm", 300), ("sentiment", 150), ("dialog", 60)] {
            let made = try BuiltinDatasets.make(name, into: dir.appendingPathComponent(name), seed: 0, examples: count)
            let shared = corpusHashes.intersection(try imageHashes(made))
            XCTAssertTrue(shared.isEmpty, "\(name) shares \(shared.count) images with the corpus")
        }
    }

    func testCaptionsNameWhatIsDrawnAndTheTestPairsComeLast() throws {
        let dir = try Fixtures.temporaryDirectory("corpus-captions")
        defer { try? FileManager.default.removeItem(at: dir) }
        let made = try BuiltinDatasets.make("captions", into: dir, seed: 4, examples: 400)
        XCTAssertEqual(made.splits, ["train": 320, "val": 20, "test": 60])
        let rows = try rows(made)
        var moods: [String: Int] = [:]
        XCTAssertEqual(rows.suffix(60).map { $0["split"] as? String }, Array(repeating: "test", count: 60))
        for row in rows {
            let text = try XCTUnwrap(row["text"] as? String), backdrop = try XCTUnwrap(row["backdrop"] as? String)
            let count = try XCTUnwrap(row["count"] as? Int)
            if let mood = row["mood"] as? String {
                // Moods only on weather scenes, from the list matching the weather, before or instead of it.
                XCTAssertTrue((backdrop == "sunny" ? CaptionCorpus.positiveMoods : CaptionCorpus.negativeMoods).contains(mood),
                              "\(backdrop): \(mood)")
                XCTAssertTrue(text.contains(" \(mood) \(backdrop) ") || text.contains(" \(mood) day"), text)
                moods[backdrop, default: 0] += 1
                continue
            }
            if count == 0 {
                XCTAssertTrue(text.contains("\(backdrop) scene"), text)
                continue
            }
            XCTAssertTrue(text.hasPrefix(CaptionCorpus.countWords[count - 1] + " "), text)
            for key in ["color", "position"] { XCTAssertTrue(text.contains(try XCTUnwrap(row[key] as? String)), "\(key): \(text)") }
            XCTAssertTrue(text.contains(String((try XCTUnwrap(row["object"] as? String)).prefix(3))), text)
            XCTAssertTrue(text.hasSuffix(try XCTUnwrap(CaptionCorpus.backdropPhrases[backdrop])), text)
        }
        XCTAssertEqual(Set(moods.keys), ["sunny", "stormy"], "moods on both weathers, nowhere else")
        // The sarcasm set's words are among the moods, its sentence templates are not in the corpus.
        XCTAssertTrue(Set(SarcasmDataset.positiveWords).isSubset(of: CaptionCorpus.positiveMoods))
        XCTAssertTrue(Set(SarcasmDataset.negativeWords).isSubset(of: CaptionCorpus.negativeMoods))
        let templateStarts = SarcasmDataset.templates.map { String($0.prefix { $0 != "{" }) }.filter { $0.count > 3 }
        for row in rows {
            let text = try XCTUnwrap(row["text"] as? String)
            XCTAssertFalse(templateStarts.contains { text.hasPrefix($0) }, text)
        }
        XCTAssertEqual(CaptionCorpus.splits(count: 12_000).filter { $0 == "test" }.count, 1_000, "1 000 held-out pairs")
        XCTAssertEqual(BuiltinDatasets.smallCounts.filter { BuiltinDatasets.names.contains($0.key) },
                       ["sarcasm": 2_000, "sentiment": 1_500, "dialog": 600])
    }
}

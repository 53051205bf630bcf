import Foundation
@testable import PEFTData
import PEFTStore
import XCTest

/// Reading ingested data back for training.
final class DatasetReaderTests: XCTestCase {
    func testExamplesPixelsAndFeaturesRoundTrip() throws {
        let sandbox = try IngestSandbox("reader")
        let made = try BuiltinDatasets.make("sentiment", into: sandbox.url("s"), seed: 9, examples: 12)
        var options = IngestOptions()
        options.mapping.label = "label"
        options.mapping.features = ["audio"]
        _ = try sandbox.ingestor().ingest(dataset: "sentiment", manifest: made.manifest, options: options)
        let reader = DatasetReader(store: sandbox.store)
        let all = try reader.examples(dataset: "sentiment")
        XCTAssertEqual(all.count, 12)
        XCTAssertEqual(try reader.examples(dataset: "sentiment", split: "train").count, all.filter { $0.split == "train" }.count)
        XCTAssertThrowsError(try reader.examples(dataset: "nope"))

        let example = try XCTUnwrap(all.first)
        let sha = try XCTUnwrap(example.imageSHA256)
        let preprocessor = CLIPPreprocessor(config: CLIPPreprocessConfig(side: 32))
        let direct = try preprocessor.preprocess(try reader.imageBytes(sha256: sha))
        let first = try reader.pixelValues(imageSHA256: sha, preprocessor: preprocessor)
        XCTAssertEqual(try sandbox.count("SELECT COUNT(*) FROM image_tensors"), 1, "a miss is cached")
        let second = try reader.pixelValues(imageSHA256: sha, preprocessor: preprocessor)
        XCTAssertEqual(first, direct)
        XCTAssertEqual(second, direct, "cached uint8 pixels normalise to the same tensor")

        let audio = try XCTUnwrap(try reader.feature(exampleID: example.id, name: "audio"))
        XCTAssertEqual(audio.shape, [8, 16])
        XCTAssertEqual(audio.values.count, 128)
        XCTAssertNil(try reader.feature(exampleID: example.id, name: "video"))
    }
}

import Foundation
@testable import PEFTData
import XCTest

/// Config parsing, size rules, centre crop and the .npy writer (numeric agreement with transformers is in
/// `PillowGoldenTests`).
final class CLIPPreprocessorTests: XCTestCase {
    func testParsesModernAndLegacyConfigs() throws {
        let modern = try CLIPPreprocessConfig.read(Fixtures.url("configs", "se44c40x36.json"))
        XCTAssertEqual(modern.size, .shortestEdge(44))
        XCTAssertEqual([modern.cropHeight, modern.cropWidth], [40, 36])
        XCTAssertEqual(modern.resample, .bicubic)
        XCTAssertEqual(modern.imageMean, CLIPPreprocessConfig.openAIMean)

        let legacy = Data((#"{"size": 224, "crop_size": 224, "do_center_crop": true, "resample": 3,"#
                           + #" "image_mean": [0.5, 0.5, 0.5], "image_std": [0.5, 0.5, 0.5]}"#).utf8)
        let config = try CLIPPreprocessConfig.parse(legacy, path: "legacy.json")
        XCTAssertEqual(config.size, .shortestEdge(224))
        XCTAssertEqual([config.cropHeight, config.cropWidth], [224, 224])
        XCTAssertEqual(config.imageStd, [0.5, 0.5, 0.5])
        XCTAssertEqual(try CLIPPreprocessConfig.parse(Data("{}".utf8), path: "x"), CLIPPreprocessConfig())
    }

    func testBadFieldsNameTheField() {
        let cases: [(String, String)] = [
            (#"{"size": {"shortest_edge": -3}}"#, "size.shortest_edge"),
            (#"{"resample": 0}"#, "resample"),
            (#"{"image_mean": [0.5, 0.5]}"#, "image_mean"),
            (#"{"crop_size": "big"}"#, "crop_size"),
            (#"[1, 2]"#, "(root)"),
        ]
        for (json, field) in cases {
            XCTAssertThrowsError(try CLIPPreprocessConfig.parse(Data(json.utf8), path: "p.json")) { error in
                XCTAssertTrue("\(error)".contains("p.json: field '\(field)'"), "\(error)")
            }
        }
    }

    func testShortestEdgeSizeTruncatesLikeTransformers() {
        let p = CLIPPreprocessor(config: CLIPPreprocessConfig(side: 224))
        XCTAssertTrue(p.resizedSize(width: 640, height: 480) == (298, 224))   // int(224 * 640 / 480) = 298
        XCTAssertTrue(p.resizedSize(width: 333, height: 500) == (224, 336))   // 336.33 → 336
        XCTAssertTrue(p.resizedSize(width: 100, height: 100) == (224, 224))
        XCTAssertTrue(p.resizedSize(width: 7, height: 3) == (522, 224))       // 522.67 → 522
    }

    func testCenterCropOffsetsAndPadding() {
        let image = TestImages.gradient(width: 7, height: 5)
        let crop = CLIPPreprocessor.centerCrop(image, height: 2, width: 4)
        XCTAssertEqual([crop.width, crop.height], [4, 2])
        XCTAssertTrue(crop[0, 0] == image[1, 1])  // left = ⌊(7 − 4) / 2⌋ = 1, top = ⌊(5 − 2) / 2⌋ = 1

        let padded = CLIPPreprocessor.centerCrop(image, height: 8, width: 10)
        XCTAssertEqual([padded.width, padded.height], [10, 8])
        XCTAssertTrue(padded[0, 0] == (0, 0, 0))
        XCTAssertTrue(padded[2, 2] == image[0, 0])  // pad ⌈(10 − 7) / 2⌉ = 2, ⌈(8 − 5) / 2⌉ = 2
    }

    func testCacheKeyChangesWithEverySetting() {
        var seen = Set<String>()
        var config = CLIPPreprocessConfig()
        seen.insert(CLIPPreprocessor(config: config).cacheKey)
        seen.insert(CLIPPreprocessor(config: config, alpha: .drop).cacheKey)
        seen.insert(CLIPPreprocessor(config: config, fastDecode: true).cacheKey)
        config.cropWidth = 200
        seen.insert(CLIPPreprocessor(config: config).cacheKey)
        config.imageMean = [0.5, 0.5, 0.5]
        seen.insert(CLIPPreprocessor(config: config).cacheKey)
        XCTAssertEqual(seen.count, 5)
        XCTAssertEqual(CLIPPreprocessor().cacheKey, CLIPPreprocessor().cacheKey)
    }

    func testNPYRoundTripAndHeaderAlignment() throws {
        let array = NPYFile(float32: [1, -2.5, 3, 0.25, 5, 6], shape: [1, 2, 3])
        let bytes = array.encoded()
        XCTAssertEqual(Array(bytes.prefix(8)), [0x93] + Array("NUMPY".utf8) + [1, 0])
        XCTAssertEqual((bytes.count - 24) % 64, 0, "header padded so the data starts on a 64-byte boundary")
        let parsed = try NPYFile.parse(bytes, path: "mem")
        XCTAssertEqual(parsed, array)
        XCTAssertEqual(parsed.floats, [1, -2.5, 3, 0.25, 5, 6])
        XCTAssertThrowsError(try NPYFile.parse(Array(bytes.prefix(20)), path: "short.npy"))
    }
}

import Foundation
import PEFTCLIP
import PEFTTensor
import PEFTTestSupport
import XCTest

/// Backbones PEFTLab makes itself: all five files written, reloaded identically, readable by transformers.
final class CLIPBackboneTests: XCTestCase {
    static let texts = ["a photo of a cat", "Sarcasm?! Oh, GREAT… another Monday 🙄 #blessed", ""]

    func testRandomBackboneSavesAllFilesAndReloadsIdentically() throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let backbone = try CLIPBackboneFactory.makeRandom(config: .tiny(width: 32, layers: 1, heads: 2), seed: 11)
        try backbone.save(to: directory)
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
        XCTAssertEqual(files, ["config.json", "merges.txt", "model.safetensors", "preprocessor_config.json",
                               "tokenizer_config.json", "vocab.json"])
        let reloaded = try CLIPBackbone.load(from: directory)
        let batch = backbone.tokenizer.encode(Self.texts)
        XCTAssertEqual(reloaded.tokenizer.encode(Self.texts), batch)
        XCTAssertEqual(reloaded.tokenizer.vocabulary.count, 49_408)
        XCTAssertEqual(reloaded.preprocessor, CLIPPreprocessorConfig(imageSize: 32))
        assertClose(reloaded.model.encodeTexts(batch), backbone.model.encodeTexts(batch), rtol: 0, atol: 0)
        let pixels = randomTensor([2, 3, 32, 32], seed: 1, requiresGrad: false)
        assertClose(reloaded.model.encodeImages(pixels), backbone.model.encodeImages(pixels), rtol: 0, atol: 0)
    }

    func testPreprocessorConfigReadsBothTransformersForms() throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("preprocessor_config.json")
        try Data(#"{"crop_size": 224, "do_center_crop": true, "image_mean": [0.5, 0.5, 0.5], "resample": 2, "size": 256}"#.utf8)
            .write(to: url)
        let old = try CLIPPreprocessorConfig.load(from: url)
        XCTAssertEqual(old.shortestEdge, 256)
        XCTAssertEqual(old.cropWidth, 224)
        XCTAssertEqual(old.imageMean, [0.5, 0.5, 0.5])
        XCTAssertEqual(old.resample, 2)
        try CLIPPreprocessorConfig(imageSize: 64).write(to: url)
        XCTAssertEqual(try CLIPPreprocessorConfig.load(from: url), CLIPPreprocessorConfig(imageSize: 64))
        try Data(#"{"image_std": [0.2, 0, 0.2]}"#.utf8).write(to: url)
        XCTAssertThrowsError(try CLIPPreprocessorConfig.load(from: url)) {
            XCTAssertTrue(String(describing: $0).hasSuffix("field 'image_std' must be 3 positive numbers (found [0.2,0,0.2])"),
                          String(describing: $0))
        }
    }

    /// Writes a PEFTLab backbone plus its outputs for `scripts/clip/make_goldens.py --check-peftlab DIR`, when
    /// `PEFTCLIP_EXPORT_DIR` is set (the Python side is not part of the Swift suite).
    func testExportForTransformersCheckWhenRequested() throws {
        guard let path = ProcessInfo.processInfo.environment["PEFTCLIP_EXPORT_DIR"] else {
            throw XCTSkip("set PEFTCLIP_EXPORT_DIR to export a backbone for the transformers check")
        }
        let directory = URL(fileURLWithPath: path)
        var config = CLIPConfig.tiny(width: 48, layers: 2, heads: 4, imageSize: 32, patchSize: 8, projectionDim: 24)
        config.text.hiddenAct = .gelu
        config.vision.layerNormEps = 1e-6
        let backbone = try CLIPBackboneFactory.makeRandom(config: config, seed: 5)
        try backbone.save(to: directory)
        let batch = backbone.tokenizer.encode(Self.texts)
        let pixels = randomTensor([2, 3, 32, 32], seed: 2, requiresGrad: false)
        try SafeTensorsWriter.write([
            .init(name: "pixel_values", shape: pixels.shape, values: pixels.storage),
            .init(name: "text_embeds", shape: [3, 24], values: backbone.model.encodeTexts(batch).storage),
            .init(name: "image_embeds", shape: [2, 24], values: backbone.model.encodeImages(pixels).storage),
        ], to: directory.appendingPathComponent("peftlab_outputs.safetensors"))
        let inputs: [String: Any] = ["texts": Self.texts, "input_ids": batch.ids]
        try JSONSerialization.data(withJSONObject: inputs).write(to: directory.appendingPathComponent("peftlab_inputs.json"))
    }
}

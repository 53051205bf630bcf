import Foundation
import PEFTTensor
import XCTest
@testable import PEFTCLIP

/// Configuration parsing, parameter inventory, and one-line errors for broken backbone directories.
final class CLIPCheckpointTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws { directory = try Fixtures.temporaryDirectory() }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    /// A copy of the `tiny_quickgelu` fixture's config.json and model.safetensors in a fresh directory.
    private func copyFixture() throws -> URL {
        let target = directory.appendingPathComponent("backbone")
        try FileManager.default.createDirectory(at: target, withIntermediateDirectories: true)
        for file in ["config.json", "model.safetensors"] {
            try FileManager.default.copyItem(at: Fixtures.url("tiny_quickgelu/\(file)"), to: target.appendingPathComponent(file))
        }
        return target
    }

    private func editConfig(_ at: URL, _ edit: (inout [String: Any]) -> Void) throws {
        let url = at.appendingPathComponent("config.json")
        var json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        edit(&json)
        try JSONSerialization.data(withJSONObject: json).write(to: url)
    }

    private func loadError(_ url: URL, file: StaticString = #filePath, line: UInt = #line) -> String {
        do {
            _ = try CLIPModel.load(from: url)
            XCTFail("loading \(url.lastPathComponent) should fail", file: file, line: line)
            return ""
        } catch {
            let message = String(describing: error)
            XCTAssertFalse(message.contains("\n"), "one-line message: \(message)", file: file, line: line)
            return message
        }
    }

    func testViTB32HasTheReferenceParameterCount() {
        XCTAssertEqual(CLIPConfig().parameterCount, 151_277_313)
        XCTAssertEqual(CLIPConfig().parameterSpecs().count, 398)
    }

    func testConfigReadsFixtureAndRoundTrips() throws {
        let config = try CLIPConfig.load(from: Fixtures.url("tiny_gelu_f16/config.json"))
        XCTAssertEqual(config.text.hiddenSize, 96)
        XCTAssertEqual(config.text.hiddenAct, .gelu)
        XCTAssertEqual(config.text.eosTokenId, 2)
        XCTAssertEqual(config.text.maxPositionEmbeddings, 40)
        XCTAssertEqual(config.text.layerNormEps, 3e-5)
        XCTAssertEqual(config.vision.imageSize, 24)
        XCTAssertEqual(config.projectionDim, 24)
        let url = directory.appendingPathComponent("config.json")
        try config.write(to: url)
        XCTAssertEqual(try CLIPConfig.load(from: url), config)
    }

    func testConfigDefaultsFollowTransformers() throws {
        let url = directory.appendingPathComponent("config.json")
        try Data(#"{"model_type": "clip", "vision_config": {"image_size": [336, 336], "patch_size": 14}}"#.utf8).write(to: url)
        let config = try CLIPConfig.load(from: url)
        XCTAssertEqual(config.text, CLIPTextConfig())
        XCTAssertEqual(config.vision.imageSize, 336)
        XCTAssertEqual(config.vision.patchSize, 14)
        XCTAssertEqual(config.vision.numPositions, 577)
    }

    func testUnknownActivationIsNamed() throws {
        let backbone = try copyFixture()
        try editConfig(backbone) { json in
            var vision = json["vision_config"] as? [String: Any] ?? [:]
            vision["hidden_act"] = "swish"
            json["vision_config"] = vision
        }
        let message = loadError(backbone)
        XCTAssertTrue(message.hasSuffix("config.json: field 'vision_config.hidden_act' must be one of quick_gelu, gelu, "
                                        + "gelu_new, gelu_pytorch_tanh, relu (found \"swish\")"), message)
    }

    func testInconsistentConfigIsNamed() throws {
        let backbone = try copyFixture()
        try editConfig(backbone) { json in
            var text = json["text_config"] as? [String: Any] ?? [:]
            text["num_attention_heads"] = 5
            json["text_config"] = text
        }
        XCTAssertTrue(loadError(backbone).contains("field 'text_config.num_attention_heads' must be a divisor of "
                                                   + "hidden_size 64 (found 5)"))
        try editConfig(backbone) { json in json["projection_dim"] = "wide" }
        XCTAssertTrue(loadError(backbone).contains("field 'projection_dim' must be a positive integer (found \"wide\")"))
    }

    func testMissingFilesAreNamed() throws {
        let backbone = try copyFixture()
        try FileManager.default.removeItem(at: backbone.appendingPathComponent("model.safetensors"))
        XCTAssertTrue(loadError(backbone).hasSuffix("backbone/model.safetensors: file not found"))
        try FileManager.default.removeItem(at: backbone.appendingPathComponent("config.json"))
        XCTAssertTrue(loadError(backbone).hasSuffix("backbone/config.json: file not found"))
        XCTAssertThrowsError(try CLIPBackbone.load(from: directory.appendingPathComponent("nowhere"))) {
            XCTAssertTrue(String(describing: $0).hasSuffix("nowhere: file not found"))
        }
    }

    func testWrongShapesMissingAndUnexpectedKeysAreReportedTogether() throws {
        let backbone = try copyFixture()
        let weights = backbone.appendingPathComponent("model.safetensors")
        let file = try SafeTensorsFile(contentsOf: weights)
        var items: [SafeTensorsWriter.Item] = []
        for name in file.names where name != "text_model.final_layer_norm.bias" {
            var shape = file.shape(of: name) ?? []
            var values = try file.floats(name)
            if name == "visual_projection.weight" {
                shape = [shape[1], shape[0]]
            } else if name == "vision_model.embeddings.class_embedding" {
                shape = [shape[0] - 1]
                values.removeLast()
            }
            items.append(.init(name: name, shape: shape, values: values))
        }
        items.append(.init(name: "text_model.embeddings.position_ids", shape: [3], values: [0, 1, 2]))
        items.append(.init(name: "text_model.extra_head.weight", shape: [2], values: [0, 0]))
        try SafeTensorsWriter.write(items, to: weights)
        let message = loadError(backbone)
        XCTAssertTrue(message.contains("checkpoint does not match the configuration: "
                                       + "1 missing key (text_model.final_layer_norm.bias); "
                                       + "1 unexpected key (text_model.extra_head.weight); 2 mis-shaped keys ("), message)
        XCTAssertTrue(message.contains("'vision_model.embeddings.class_embedding' is [47], expected [48]"), message)
        XCTAssertTrue(message.contains("'visual_projection.weight' is [48, 40], expected [40, 48]"), message)
        XCTAssertFalse(message.contains("position_ids"), "stored position_ids buffers are ignored")
    }

    func testTruncatedWeightsAreReported() throws {
        let backbone = try copyFixture()
        let weights = backbone.appendingPathComponent("model.safetensors")
        let data = try Data(contentsOf: weights)
        try data.prefix(data.count - 1000).write(to: weights)
        let message = loadError(backbone)
        XCTAssertTrue(message.contains("model.safetensors: file is truncated: tensor '"), message)
        XCTAssertTrue(message.contains("but the file has"), message)
    }

    func testBrokenTokenizerFilesAreNamed() throws {
        let url = directory.appendingPathComponent("merges.txt")
        try Data("#version: 0.2\ni n\nbroken\n".utf8).write(to: url)
        XCTAssertThrowsError(try CLIPVocabulary.readMerges(from: url)) {
            XCTAssertTrue(String(describing: $0).hasSuffix("merges.txt:3: expected two space-separated symbols, found 1"))
        }
        let vocab = directory.appendingPathComponent("vocab.json")
        try Data(#"{"a": 0}"#.utf8).write(to: vocab)
        try Data("#version: 0.2\n".utf8).write(to: url)
        XCTAssertThrowsError(try CLIPTokenizer(directory: directory)) {
            XCTAssertTrue(String(describing: $0).hasSuffix("vocab.json: missing <|startoftext|> or <|endoftext|>"))
        }
    }
}

import Foundation
import PEFTCLIP
import PEFTTensor
import PEFTTestSupport
import XCTest
@testable import PEFTMethods

/// HF PEFT's adapter format both ways, against adapters and features written by peft itself
/// (Fixtures/lora_tiny, made by scripts/reference/make_peft_goldens.py on PEFTCLIPTests' tiny_quickgelu).
final class PEFTFormatTests: XCTestCase {
    private func base() throws -> CLIPModel {
        try CLIPModel.load(from: Fixtures.clipRoot.appendingPathComponent("tiny_quickgelu"))
    }

    private func inputs() throws -> (pixels: Tensor, tokens: TokenBatch, expected: SafeTensorsFile) {
        let json = try XCTUnwrap(try Fixtures.json("lora_tiny/inputs.json") as? [String: Any])
        let expected = try SafeTensorsFile(contentsOf: Fixtures.url("lora_tiny/expected.safetensors"))
        let pixels = Tensor(shape: expected.shape(of: "pixel_values") ?? [], storage: try expected.floats("pixel_values"))
        let tokens = TokenBatch(ids: json["input_ids"] as! [[Int]], attentionMask: json["attention_mask"] as! [[Int]])
        return (pixels, tokens, expected)
    }

    func testAdapterWrittenByPeftGivesPeftsFeaturesUnmergedAndMerged() throws {
        let model = try base()
        let (pixels, tokens, expected) = try inputs()
        let directory = Fixtures.url("lora_tiny")
        try PEFTAdapter.load(from: directory).apply(to: model, path: directory.path)
        XCTAssertTrue(model.vision.layers[1].vProj is LoRALinear)
        func check(_ prefix: String) throws {
            let (image, text) = GradMode.noGrad { (model.encodeImages(pixels), model.encodeTexts(tokens)) }
            assertClose(image.storage, try expected.floats("\(prefix).image_features"), rtol: 1e-4, atol: 1e-5)
            assertClose(text.storage, try expected.floats("\(prefix).text_features"), rtol: 1e-4, atol: 1e-5)
        }
        try check("adapted")
        let lora = try LoRA(LoRA.descriptor.settings(.map([:])))
        XCTAssertTrue(lora.merge(into: model))
        try check("merged")
    }

    func testExportUsesPeftsKeysAndRoundTrips() throws {
        let base = try base()
        let model = CLIPModel(sharingWeightsOf: base)
        let lora = try LoRA(LoRA.descriptor.settings(.map(["r": .int(4), "alpha": .double(8)])))
        var context = MethodContext(rng: RNG(seed: 3), mode: ForwardMode())
        let trainable = try lora.apply(to: model, context: &context)
        for (i, (_, t)) in trainable.enumerated() { t.storage = randomTensor(t.shape, seed: UInt64(i), std: 0.2, requiresGrad: false).storage }
        let adapter = try XCTUnwrap(lora.peftAdapter(model: model))
        let peftKeys = try XCTUnwrap((try Fixtures.json("lora_tiny/peft_keys.json") as? [String: Any])?["keys"] as? [[String: Any]])
        XCTAssertEqual(Set(adapter.tensors.map(\.name)), Set(peftKeys.map { $0["key"] as! String }))
        XCTAssertEqual(adapter.config["target_modules"] as? [String], ["q_proj", "v_proj"])
        XCTAssertEqual(adapter.config["r"] as? Int, 4)

        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("lora-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        try adapter.write(to: directory)
        let reloaded = try CLIPModel.load(from: Fixtures.clipRoot.appendingPathComponent("tiny_quickgelu"))
        try PEFTAdapter.load(from: directory).apply(to: reloaded, path: directory.path)
        let (pixels, tokens, _) = try inputs()
        GradMode.noGrad {
            XCTAssertEqual(reloaded.encodeImages(pixels).storage, model.encodeImages(pixels).storage)
            XCTAssertEqual(reloaded.encodeTexts(tokens).storage, model.encodeTexts(tokens).storage)
        }
    }

    func testPartialLayersExportAsAnExactRegex() throws {
        let model = CLIPModel(sharingWeightsOf: try base())
        let lora = try LoRA(LoRA.descriptor.settings(.map(["layers": .string("2"), "towers": .string("vision")])))
        var context = MethodContext(rng: RNG(seed: 3), mode: ForwardMode())
        _ = try lora.apply(to: model, context: &context)
        let pattern = try XCTUnwrap(lora.peftAdapter(model: model)?.config["target_modules"] as? String)
        let regex = try NSRegularExpression(pattern: pattern)
        func matches(_ path: String) -> Bool {
            regex.firstMatch(in: path, range: NSRange(path.startIndex..., in: path))?.range.length == path.utf16.count
        }
        XCTAssertTrue(matches("vision_model.encoder.layers.1.self_attn.q_proj"))
        XCTAssertFalse(matches("vision_model.encoder.layers.0.self_attn.q_proj"))
        XCTAssertFalse(matches("text_model.encoder.layers.1.self_attn.q_proj"))
    }

    func testUnknownModulesInAnAdapterAreAnErrorNamingThem() throws {
        let model = try base()
        var adapter = try PEFTAdapter.load(from: Fixtures.url("lora_tiny"))
        adapter.tensors.append(.init(name: "base_model.model.text_model.encoder.layers.9.self_attn.q_proj.lora_A.weight", shape: [4, 64],
                                     values: [Float](repeating: 0, count: 256)))
        XCTAssertThrowsError(try adapter.apply(to: model, path: "x")) { error in
            XCTAssertTrue("\(error)".contains("layers.9"), "\(error)")
        }
    }
}

/// Trainable-parameter counts against HF PEFT's `get_nb_trainable_parameters` (Fixtures/param_counts.json).
final class ParameterCountGoldenTests: XCTestCase {
    func testLoRAFormulaMatchesPeft() throws {
        let root = try XCTUnwrap(try Fixtures.json("param_counts.json") as? [String: Any])
        let configs = try XCTUnwrap(root["configs"] as? [String: [String: Any]])
        let shapes: [String: CLIPConfig] = [
            "clip_default": CLIPConfig(),
            "tiny_quickgelu": try CLIPConfig.load(from: Fixtures.clipRoot.appendingPathComponent("tiny_quickgelu/config.json")),
        ]
        let lora: [String: [String: ConfigValue]] = [
            "lora_r8_qv": ["r": .int(8)],
            "lora_r8_all_linear": ["r": .int(8), "targets": .list(LinearSlot.allCases.map { .string($0.rawValue) })],
            "lora_r4_qv_upper": ["r": .int(4), "layers": .string("upper")],
        ]
        for (name, shape) in shapes {
            let methods = try XCTUnwrap(configs[name]?["methods"] as? [String: [String: Any]])
            XCTAssertEqual(configs[name]?["base_parameters"] as? Int, shape.parameterCount, name)
            for (key, values) in lora {
                let expected = try XCTUnwrap(methods[key]?["trainable"] as? Int, key)
                XCTAssertEqual(LoRA.descriptor.parameterCount(LoRA.descriptor.settings(.map(values)), shape), expected, "\(name) \(key)")
            }
        }
    }
}

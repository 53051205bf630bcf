import Foundation
import PEFTCLIP
import PEFTTensor
import PEFTTestSupport
import XCTest
@testable import PEFTMethods

final class IA3Tests: XCTestCase {
    private func ia3(scalesInput: Bool) -> IA3Linear {
        var rng = RNG(seed: 1)
        let base = Linear(inputSize: 5, outputSize: 4, rng: &rng)
        base.freezeAll()
        return IA3Linear(wrapping: base, scalesInput: scalesInput)
    }

    func testStartsEqualToTheBaseWithPeftsShapes() {
        for scalesInput in [false, true] {
            let layer = ia3(scalesInput: scalesInput)
            XCTAssertEqual(layer.scaling.shape, scalesInput ? [1, 5] : [4, 1])
            XCTAssertTrue(layer.scaling.storage.allSatisfy { $0 == 1 })
            let x = randomTensor([2, 5], seed: 2, requiresGrad: false)
            assertClose(layer(x), layer.base(x), rtol: 0, atol: 0)
        }
    }

    func testGradientsOfInputAndVectorMatchFiniteDifferences() {
        for scalesInput in [false, true] {
            let layer = ia3(scalesInput: scalesInput)
            layer.scaling.storage = randomTensor(layer.scaling.shape, seed: 4, requiresGrad: false).storage
            let x = randomTensor([3, 5], seed: 6)
            XCTAssertEqual(gradientMismatches([("x", x), ("ia3_l", layer.scaling)], step: 1e-2) { layer(x) }, [],
                           "feed-forward \(scalesInput)")
            XCTAssertNil(layer.base.weight.grad, "the frozen base gets no gradient")
        }
    }

    func testOutputScalingIsOfTheBiasedOutputAndInputScalingOfTheInput() {
        let out = ia3(scalesInput: false), inp = ia3(scalesInput: true)
        out.scaling.storage = [2, 3, 4, 5]
        inp.scaling.storage = [1, 2, 3, 4, 5]
        let x = randomTensor([2, 5], seed: 2, requiresGrad: false)
        let y = out.base(x)
        assertClose(out(x).storage, (0 ..< 8).map { y.storage[$0] * [2, 3, 4, 5][$0 % 4] }, rtol: 1e-6, atol: 0)
        let scaled = Tensor(shape: [2, 5], storage: (0 ..< 10).map { x.storage[$0] * Float($0 % 5 + 1) })
        assertClose(inp(x), inp.base(scaled), rtol: 1e-6, atol: 1e-7)
    }

    func testMergedLinearComputesTheSameMap() {
        for scalesInput in [false, true] {
            let layer = ia3(scalesInput: scalesInput)
            layer.scaling.storage = randomTensor(layer.scaling.shape, seed: 4, requiresGrad: false).storage
            let before = layer.base.weight.storage
            let x = randomTensor([2, 5], seed: 2, requiresGrad: false)
            assertClose(layer.merged()(x), layer(x), rtol: 1e-5, atol: 1e-6)
            XCTAssertEqual(layer.base.weight.storage, before)
        }
    }

    func testCountMatchesPeftAtViTB32AndTinyShapes() throws {
        let root = try XCTUnwrap(try Fixtures.json("param_counts.json") as? [String: Any])
        let configs = try XCTUnwrap(root["configs"] as? [String: [String: Any]])
        let shapes: [String: CLIPConfig] = [
            "clip_default": CLIPConfig(),
            "tiny_quickgelu": try CLIPConfig.load(from: Fixtures.clipRoot.appendingPathComponent("tiny_quickgelu/config.json")),
        ]
        for (name, shape) in shapes {
            let methods = try XCTUnwrap(configs[name]?["methods"] as? [String: [String: Any]])
            XCTAssertEqual(IA3.descriptor.parameterCount(IA3.descriptor.settings(nil), shape),
                           methods["ia3_kv_fc2"]?["trainable"] as? Int, name)
        }
        XCTAssertEqual(IA3.descriptor.parameterCount(IA3.descriptor.settings(nil), CLIPConfig()), 92_160)
    }

    // MARK: PEFT's format

    private func peftBase() throws -> CLIPModel {
        try CLIPModel.load(from: Fixtures.clipRoot.appendingPathComponent("tiny_quickgelu"))
    }

    private func peftInputs() throws -> (pixels: Tensor, tokens: TokenBatch, expected: SafeTensorsFile) {
        let json = try XCTUnwrap(try Fixtures.json("ia3_tiny/inputs.json") as? [String: Any])
        let expected = try SafeTensorsFile(contentsOf: Fixtures.url("ia3_tiny/expected.safetensors"))
        let pixels = Tensor(shape: expected.shape(of: "pixel_values") ?? [], storage: try expected.floats("pixel_values"))
        let tokens = TokenBatch(ids: json["input_ids"] as! [[Int]], attentionMask: json["attention_mask"] as! [[Int]])
        return (pixels, tokens, expected)
    }

    func testAdapterWrittenByPeftGivesPeftsFeaturesUnmergedAndMerged() throws {
        let model = try peftBase()
        let (pixels, tokens, expected) = try peftInputs()
        let directory = Fixtures.url("ia3_tiny")
        try PEFTAdapter.load(from: directory).apply(to: model, path: directory.path)
        XCTAssertEqual((model.vision.layers[1].fc2 as? IA3Linear)?.scalesInput, true)
        XCTAssertEqual((model.text.layers[0].kProj as? IA3Linear)?.scalesInput, false)
        func check(_ prefix: String) throws {
            let (image, text) = GradMode.noGrad { (model.encodeImages(pixels), model.encodeTexts(tokens)) }
            assertClose(image.storage, try expected.floats("\(prefix).image_features"), rtol: 1e-4, atol: 1e-5)
            assertClose(text.storage, try expected.floats("\(prefix).text_features"), rtol: 1e-4, atol: 1e-5)
        }
        try check("adapted")
        XCTAssertTrue(IA3(IA3.descriptor.settings(nil)).merge(into: model))
        XCTAssertTrue(model.namedParameters().allSatisfy { !$0.0.contains("ia3_") })
        try check("merged")
    }

    func testExportUsesPeftsKeysShapesAndConfigAndRoundTrips() throws {
        let base = try peftBase()
        let model = CLIPModel(sharingWeightsOf: base)
        let method = IA3(IA3.descriptor.settings(nil))
        var context = MethodContext(rng: RNG(seed: 3), mode: ForwardMode())
        let trainable = try method.apply(to: model, context: &context)
        for (i, (_, t)) in trainable.enumerated() {
            t.storage = randomTensor(t.shape, seed: UInt64(i), std: 0.3, requiresGrad: false).storage.map { $0 + 1 }
        }
        let adapter = try XCTUnwrap(method.peftAdapter(model: model))
        let peft = try XCTUnwrap(try Fixtures.json("ia3_tiny/peft_keys.json") as? [String: Any])
        let keys = try XCTUnwrap(peft["keys"] as? [[String: Any]])
        XCTAssertEqual(Dictionary(uniqueKeysWithValues: adapter.tensors.map { ($0.name, $0.shape) }),
                       Dictionary(uniqueKeysWithValues: keys.map { ($0["key"] as! String, $0["shape"] as! [Int]) }))
        let written = try XCTUnwrap(try Fixtures.json("ia3_tiny/adapter_config.json") as? [String: Any])
        XCTAssertEqual(Set(adapter.config["target_modules"] as? [String] ?? []), Set(written["target_modules"] as? [String] ?? []))
        XCTAssertEqual(adapter.config["feedforward_modules"] as? [String], written["feedforward_modules"] as? [String])
        XCTAssertEqual(adapter.config["peft_type"] as? String, written["peft_type"] as? String)
        for key in ["fan_in_fan_out", "init_ia3_weights", "inference_mode"] {
            XCTAssertEqual(adapter.config[key] as? Bool, written[key] as? Bool, key)
        }
        XCTAssertTrue(Set(adapter.config.keys).isSubset(of: Set(written.keys).union(["peft_version"])),
                      "no keys IA3Config does not declare: \(Set(adapter.config.keys).subtracting(written.keys))")

        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ia3-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        try adapter.write(to: directory)
        let reloaded = try peftBase()
        try PEFTAdapter.load(from: directory).apply(to: reloaded, path: directory.path)
        let (pixels, tokens, _) = try peftInputs()
        GradMode.noGrad {
            XCTAssertEqual(reloaded.encodeImages(pixels).storage, model.encodeImages(pixels).storage)
            XCTAssertEqual(reloaded.encodeTexts(tokens).storage, model.encodeTexts(tokens).storage)
        }
    }

    func testPartialLayersExportAsARegexAndMisshapedVectorsAreRejected() throws {
        let model = CLIPModel(sharingWeightsOf: TinyCLIP.model())
        let method = IA3(IA3.descriptor.settings(.map(["layers": .string("2"), "targets": .list([.string("v"), .string("fc2")])])))
        var context = MethodContext(rng: RNG(seed: 3), mode: ForwardMode())
        _ = try method.apply(to: model, context: &context)
        var adapter = try XCTUnwrap(method.peftAdapter(model: model))
        XCTAssertEqual(adapter.tensors.count, 4)
        XCTAssertTrue((adapter.config["target_modules"] as? String)?.contains("layers\\.1\\.mlp\\.fc2") == true)
        adapter.tensors[0].shape = adapter.tensors[0].shape.reversed()
        XCTAssertThrowsError(try adapter.apply(to: CLIPModel(sharingWeightsOf: TinyCLIP.model()), path: "x")) { error in
            XCTAssertTrue("\(error)".contains(adapter.tensors[0].name), "\(error)")
        }
    }
}

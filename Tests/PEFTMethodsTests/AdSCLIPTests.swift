import PEFTCLIP
import PEFTTensor
import PEFTTestSupport
import XCTest
@testable import PEFTMethods

final class AdSCLIPTests: XCTestCase {
    /// Gives trainable tensors non-trivial values (up-projections start at 0, which would hide the sharing).
    private func perturb(_ trainable: [(String, Tensor)], std: Float = 0.3) {
        for (i, (_, t)) in trainable.enumerated() {
            t.storage = randomTensor(t.shape, seed: UInt64(200 + i), std: std, requiresGrad: false).storage
        }
    }

    private func features(_ method: any PEFTMethod, _ model: CLIPModel, _ input: EncoderInput = TinyCLIP.input) -> TowerFeatures {
        GradMode.noGrad { method.encode(input, model: model) }
    }

    func testParameterCountAtViTB32() {
        let d = AdSCLIP.descriptor
        let config = CLIPConfig()
        let adapters = 6 * BottleneckAdapter.parameterCount(width: 768, bottleneck: 64) + 6 * BottleneckAdapter.parameterCount(width: 512, bottleneck: 64)
        XCTAssertEqual(adapters, 991_488)
        XCTAssertEqual(d.parameterCount(d.settings(nil), config), adapters + 6 * SharingAttention.parameterCount(width: 64))
        XCTAssertEqual(d.parameterCount(d.settings(nil), config), 1_065_984, "layers 7-12, m = 64, text → visual")
        XCTAssertEqual(d.parameterCount(d.settings(.map(["sharing": .string("none")])), config), adapters)
        XCTAssertEqual(d.parameterCount(d.settings(.map(["sharing": .string("bidirectional")])), config),
                       adapters + 11 * SharingAttention.parameterCount(width: 64), "text's first adapted layer has nothing queued yet")
        XCTAssertEqual(d.parameterCount(d.settings(.map(["bottleneck": .int(212)])), config), 4_078_080, "the paper's ≈ 4.1 M")
        XCTAssertEqual(d.parameterCount(d.settings(.map(["layers": .string("all")])), config), 2 * 1_065_984)
    }

    func testPathsAndPlacement() throws {
        let (model, _, trainable, _) = try TinyCLIP.apply(AdSCLIP.descriptor, ["bottleneck": .int(4)], base: TinyCLIP.model())
        XCTAssertEqual(trainable.map(\.0), [
            "text_model.encoder.layers.1.mlp_adapters.0.down.weight", "text_model.encoder.layers.1.mlp_adapters.0.down.bias",
            "text_model.encoder.layers.1.mlp_adapters.0.up.weight", "text_model.encoder.layers.1.mlp_adapters.0.up.bias",
            "vision_model.encoder.layers.1.mlp_adapters.0.down.weight", "vision_model.encoder.layers.1.mlp_adapters.0.down.bias",
            "vision_model.encoder.layers.1.mlp_adapters.0.up.weight", "vision_model.encoder.layers.1.mlp_adapters.0.up.bias",
            "vision_model.encoder.layers.1.mlp_adapters.0.sharing.q.weight", "vision_model.encoder.layers.1.mlp_adapters.0.sharing.q.bias",
            "vision_model.encoder.layers.1.mlp_adapters.0.sharing.k.weight",
            "vision_model.encoder.layers.1.mlp_adapters.0.sharing.v.weight", "vision_model.encoder.layers.1.mlp_adapters.0.sharing.v.bias",
        ], "upper = layer 2 of 2; the visual adapter receives")
        XCTAssertTrue(model.vision.layers[0].mlpAdapters.isEmpty && model.text.layers[0].mlpAdapters.isEmpty)
        XCTAssertTrue(model.vision.layers[1].attentionAdapters.isEmpty)
    }

    /// `sharing: none` is `pfeiffer` at the same layers with the same bottleneck: same draws, same forward and
    /// backward, bit for bit.
    func testNoSharingIsBitwiseIndependentAdapters() throws {
        let base = TinyCLIP.model()
        let (ads, adsMethod, adsTrainable, _) = try TinyCLIP.apply(AdSCLIP.descriptor, ["sharing": .string("none"), "layers": .string("all"),
                                                                                       "bottleneck": .int(5)], base: base)
        let (plain, plainMethod, plainTrainable, _) = try TinyCLIP.apply(BottleneckAdapters.pfeiffer, ["layers": .string("all"),
                                                                                                     "bottleneck": .int(5)], base: base)
        XCTAssertEqual(adsTrainable.map(\.0), plainTrainable.map(\.0))
        XCTAssertEqual(adsTrainable.map(\.1.storage), plainTrainable.map(\.1.storage), "same initialisation draws")
        // With sharing, the adapters are drawn the same (the sharing modules after them).
        let (shared, sharedMethod, sharedTrainable, _) = try TinyCLIP.apply(AdSCLIP.descriptor, ["layers": .string("all"), "bottleneck": .int(5)], base: base)
        let sharedAdapters = sharedTrainable.filter { !$0.0.contains(".sharing.") }
        XCTAssertEqual(sharedAdapters.map(\.0), adsTrainable.map(\.0))
        XCTAssertEqual(sharedAdapters.map(\.1.storage), adsTrainable.map(\.1.storage))
        perturb(adsTrainable)
        perturb(plainTrainable)
        let (a, p) = (adsMethod.encode(TinyCLIP.input, model: ads), plainMethod.encode(TinyCLIP.input, model: plain))
        XCTAssertEqual(a.image!.storage, p.image!.storage)
        XCTAssertEqual(a.text!.storage, p.text!.storage)
        ((a.image! * a.image!).sum() + a.text!.sum()).backward()
        ((p.image! * p.image!).sum() + p.text!.sum()).backward()
        for ((name, x), (_, y)) in zip(adsTrainable, plainTrainable) { XCTAssertEqual(x.grad, y.grad, name) }
        perturb(sharedAdapters)
        XCTAssertNotEqual(features(sharedMethod, shared).image!.storage, a.image!.storage, "sharing changes the features")
    }

    /// Which tower's output depends on the other tower's input, per sharing mode.
    func testSharingDirections() throws {
        let base = TinyCLIP.model()
        let otherText = TokenBatch(rows: [[62, 8, 9, 63], [62, 7, 11, 63], [62, 1, 2, 3, 5, 63]], padding: .longest, maxLength: 16, padTokenId: 0)
        let otherPixels = randomTensor([3, 3, 16, 16], seed: 6, requiresGrad: false)
        let expected: [(AdSCLIP.Sharing, imageSeesText: Bool, textSeesImage: Bool)] = [
            (.none, false, false), (.textToVisual, true, false), (.visualToText, false, true), (.bidirectional, true, true),
        ]
        for (sharing, imageSeesText, textSeesImage) in expected {
            let (model, method, trainable, _) = try TinyCLIP.apply(AdSCLIP.descriptor, ["sharing": .string(sharing.rawValue), "layers": .string("all")], base: base)
            perturb(trainable)
            let reference = features(method, model)
            let textChanged = features(method, model, EncoderInput(vision: .pixels(TinyCLIP.pixels), text: .tokens(otherText)))
            let imageChanged = features(method, model, EncoderInput(vision: .pixels(otherPixels), text: .tokens(TinyCLIP.tokens)))
            XCTAssertEqual(textChanged.image!.storage != reference.image!.storage, imageSeesText, "\(sharing): image depends on text")
            XCTAssertEqual(imageChanged.text!.storage != reference.text!.storage, textSeesImage, "\(sharing): text depends on image")
        }
    }

    /// The queue keeps `queue_length` adapted layers: it matters with two adapted layers, not with one.
    func testQueueLength() throws {
        let base = TinyCLIP.model()
        func image(_ layers: String, _ length: Int) throws -> [Float] {
            let (model, method, trainable, _) = try TinyCLIP.apply(AdSCLIP.descriptor, ["layers": .string(layers), "queue_length": .int(length)], base: base)
            perturb(trainable)
            return features(method, model).image!.storage
        }
        XCTAssertNotEqual(try image("all", 1), try image("all", 2), "layer 2 attends over the text states of layers 1 and 2")
        XCTAssertEqual(try image("all", 2), try image("all", 5), "only two adapted layers to keep")
        XCTAssertEqual(try image("upper", 1), try image("upper", 2), "one adapted layer: one state queued")
        let queue = StateQueue(length: 2, masks: [.text: [[1, 1, 0]]])
        for i in 0 ..< 3 { queue.push(Tensor(shape: [1, 3, 1], storage: [Float](repeating: Float(i), count: 3)), from: .text) }
        let keys = try XCTUnwrap(queue.keys(of: .text))
        XCTAssertEqual(keys.keys.storage, [1, 1, 1, 2, 2, 2], "oldest dropped, oldest first")
        XCTAssertEqual(keys.mask, [[1, 1, 0, 1, 1, 0]])
        XCTAssertNil(queue.keys(of: .vision))
    }

    /// The text's padding gets no attention: padding every caption to 16 tokens leaves the image features as they are.
    func testTextPaddingIsMasked() throws {
        let (model, method, trainable, _) = try TinyCLIP.apply(AdSCLIP.descriptor, ["layers": .string("all")], base: TinyCLIP.model())
        perturb(trainable)
        let rows = [[62, 5, 9, 63], [62, 7, 63], [62, 1, 2, 3, 4, 63]]
        let padded = TokenBatch(rows: rows, padding: .maxLength, maxLength: 16, padTokenId: 0)
        let short = features(method, model)
        let long = features(method, model, EncoderInput(vision: .pixels(TinyCLIP.pixels), text: .tokens(padded)))
        assertClose(long.image!, short.image!, rtol: 1e-5, atol: 1e-6)
        assertClose(long.text!, short.text!, rtol: 1e-5, atol: 1e-6)
        // The module itself: masked keys get no weight (as if dropped; summation order differs, so ≈), unmasked ones count.
        let sharing = try XCTUnwrap(model.vision.layers[1].mlpAdapters.first as? SharedStateAdapter).sharing!
        let state = randomTensor([3, 4, 64], seed: 9, requiresGrad: false), keys = randomTensor([3, 16, 64], seed: 10, requiresGrad: false)
        let masked = GradMode.noGrad { sharing(state, keys: keys, keyMask: padded.attentionMask) }
        let trimmed = GradMode.noGrad { sharing(state, keys: keys.sliced(axis: 1, range: 0 ..< 6), keyMask: padded.attentionMask.map { Array($0.prefix(6)) }) }
        assertClose(masked, trimmed, rtol: 1e-4, atol: 1e-5)
        XCTAssertNotEqual(GradMode.noGrad { sharing(state, keys: keys, keyMask: nil) }.storage, masked.storage)
    }

    func testSharingAttentionGradientsMatchFiniteDifferences() {
        var rng = RNG(seed: 4)
        let sharing = SharingAttention(width: 3, rng: &rng)
        let state = randomTensor([2, 4, 3], seed: 11), keys = randomTensor([2, 5, 3], seed: 12)
        let mask = [[1, 1, 1, 0, 0], [1, 1, 1, 1, 1]]
        let inputs = [("state", state), ("keys", keys)] + sharing.namedParameters()
        XCTAssertEqual(sharing.namedParameters().map(\.0), ["q.weight", "q.bias", "k.weight", "v.weight", "v.bias"])
        // h = 5e-2: the Float32 forward's rounding (≈ 1e-7, amplified ≈ 1.8/h) stays under atol; the sixth-order stencil keeps
        // the truncation error far below it.
        XCTAssertEqual(gradientMismatches(inputs, step: 5e-2, rtol: 3e-3) { sharing(state, keys: keys, keyMask: mask) }, [])
    }

    /// Finite differences through both tiny towers in lockstep, every direction of sharing on: the adapters' and the
    /// sharing modules' backward (tanh keeps the bottleneck smooth).
    func testAdapterAndSharingGradientsThroughTheTowersMatchFiniteDifferences() throws {
        let (model, method, trainable, _) = try TinyCLIP.apply(AdSCLIP.descriptor, ["sharing": .string("bidirectional"), "layers": .string("all"),
                                                                                   "bottleneck": .int(3), "activation": .string("tanh")], base: TinyCLIP.model())
        perturb(trainable)
        let checked = trainable.filter { $0.0.contains("sharing") || $0.0.hasPrefix("text_model.encoder.layers.0.") }
        XCTAssertEqual(checked.filter { $0.0.hasSuffix("q.weight") }.count, 3, "vision receives at both layers, text at layer 2")
        XCTAssertEqual(gradientMismatches(checked, step: 5e-2, rtol: 3e-3, atol: TowerGradientCheck.noise) {
            let features = method.encode(TinyCLIP.input, model: model)
            return Tensor.concatenated([features.image!, features.text!], axis: 1)
        }, [])
    }
}

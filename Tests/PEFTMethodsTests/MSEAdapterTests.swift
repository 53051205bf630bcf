import Foundation
import PEFTCLIP
import PEFTLM
import PEFTTensor
import PEFTTestSupport
import XCTest
@testable import PEFTMethods

/// MSE-Adapter on a tiny CLIP and the tiny random GPT-2 of `scripts/reference/make_tiny_gpt2.py`: finite
/// differences for every new module and the pseudo-token path through the frozen LM, the ablations changing the
/// graph, the parameter formula (also at d = 4 096), label text and the unparsed-output metric.
final class MSEAdapterTests: XCTestCase {
    static let lmDirectory = Fixtures.root.deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("PEFTLMTests/Fixtures/tiny_gpt2")
    static let texts = ["i thought the movie was amazing", "the plot was dull", ""]
    static let audio = randomTensor([3, 4, 5], seed: 11, requiresGrad: false)
    static let image = randomTensor([3, TinyCLIP.config.projectionDim], seed: 12, requiresGrad: false)
    static let scores = Targets(scores: [1.4, -2.0, 0.3])

    static func make(_ values: [String: ConfigValue] = [:], seed: UInt64 = 3) throws -> MSEAdapter {
        var all: [String: ConfigValue] = ["lm": .string(lmDirectory.path), "width": .int(6), "audio_hidden": .int(3),
                                          "prefix": .string("<M>"), "prompt": .string(" The sentiment is")]
        for (k, v) in values { all[k] = v }
        let method = try XCTUnwrap(try MSEAdapter.descriptor.make(MSEAdapter.descriptor.settings(.map(all))) as? MSEAdapter)
        var context = MethodContext(rng: RNG(seed: seed, stream: 1), mode: ForwardMode(), featureWidths: ["audio": 5])
        let trainable = try method.apply(to: CLIPModel(sharingWeightsOf: TinyCLIP.model()), context: &context)
        XCTAssertEqual(trainable.reduce(0) { $0 + $1.1.count },
                       MSEAdapter.parameterCount(MSEAdapter.descriptor.settings(.map(all)), lmWidth: 32,
                                                 imageWidth: TinyCLIP.config.projectionDim, audioWidth: 5))
        return method
    }

    static func input(audio: Tensor = audio) -> EncoderInput {
        EncoderInput(vision: .embeddings(image), examples: ExampleInputs(texts: texts, sequences: ["audio": audio]))
    }

    static func parameters(_ method: MSEAdapter) -> [(String, Tensor)] {
        (method.lstm.map { prefixed("lstm", $0.namedParameters()) } ?? []) + prefixed("tgm", method.mixer!.namedParameters())
            + prefixed("msf", method.fusion!.namedParameters())
    }

    func testTextGuideMixerGradients() {
        for guided in [true, false] {
            var rng = RNG(seed: 4)
            let mixer = TextGuideMixer(textWidth: 5, audioWidth: 3, imageWidth: 4, width: 6, guided: guided, rng: &rng)
            let text = Tensor.randn([2, 3, 5], rng: &rng, requiresGrad: true)
            let audio = Tensor.randn([2, 3], rng: &rng, requiresGrad: true)
            let image = Tensor.randn([2, 4], rng: &rng, requiresGrad: true)
            let mask = [[1, 1, 0], [1, 1, 1]]
            assertGradientsMatch([("text", text), ("audio", audio), ("image", image)] + mixer.namedParameters()) {
                mixer(text: TextGuideMixer.meanPool(text, mask: mask), audio: audio, image: image)
            }
        }
    }

    func testMultiScaleFusionGradients() {
        for hidden in [[4, 2, 3], [3]] {
            var rng = RNG(seed: 5)
            let fusion = MultiScaleFusion(inputWidth: 6, width: 5, hidden: hidden, lmWidth: 7, pseudoTokens: 3, rng: &rng)
            let x = Tensor.randn([2, 6], rng: &rng, requiresGrad: true)
            assertGradientsMatch([("x", x)] + fusion.namedParameters()) { fusion(x) }
            XCTAssertEqual(fusion(x).shape, [2, 3, 7])
        }
    }

    func testGradientsReachEveryModuleThroughTheFrozenLM() throws {
        for output in ["generate", "head"] {
            let method = try Self.make(["output": .string(output), "pseudo_tokens": .int(2)])
            let head = method.makeHead(task: .regression, classes: 7)
            XCTAssertEqual(head == nil, output == "head")
            let params = Self.parameters(method)
            // The LM loss (or the last hidden state) as a function of a slice of every module's tensors. The Float32
            // forward through the whole LM carries ≈ 1e-6 relative rounding, which the stencil amplifies by ≈ 1.8/h:
            // hence h = 0.05 and a 2 % / 1e-4 tolerance (the modules alone are checked at 0.1 % above).
            let picked = params.filter { ["msf.pseudo.bias", "msf.scale_weight", "tgm.text_guide.bias", "lstm.bias_hh",
                                          "msf.to_lm.bias"].contains($0.0) }
            XCTAssertEqual(picked.count, 5)
            let clip = CLIPModel(sharingWeightsOf: TinyCLIP.model())
            assertGradientsMatch(picked, step: 5e-2, rtol: 2e-2, atol: 1e-4) {
                let features = method.encode(Self.input(), model: clip)
                return head.map { $0.loss(features, targets: Self.scores) } ?? features.extra!
            }
            XCTAssertTrue(method.lm.model.namedParameters().allSatisfy { $0.1.grad == nil && !$0.1.requiresGrad })
        }
    }

    func testAblationsChangeTheGraph() throws {
        let clip = CLIPModel(sharingWeightsOf: TinyCLIP.model())
        func pseudo(_ method: MSEAdapter, audio: Tensor = MSEAdapterTests.audio) -> [Float] {
            GradMode.noGrad {
                let input = Self.input(audio: audio)
                let utterances = Self.texts.map { method.lm.tokenizer.encode(" " + $0) }
                return method.pseudoTokenBatch(utterances: utterances, audio: input.examples!.sequences["audio"]!,
                                           image: Self.image).storage
            }
        }
        let otherAudio = randomTensor([3, 4, 5], seed: 21, requiresGrad: false)
        // TGM: every modality is multiplied by the text guide, so a zero guide removes the audio's influence; plain
        // concatenation keeps it.
        for guided in [true, false] {
            let method = try Self.make(["tgm": .bool(guided)])
            method.mixer!.textGuide.weight.storage = Array(repeating: 0, count: method.mixer!.textGuide.weight.count)
            method.mixer!.textGuide.bias!.storage = Array(repeating: 0, count: 6)
            XCTAssertEqual(pseudo(method) == pseudo(method, audio: otherAudio), guided, "tgm \(guided)")
            XCTAssertEqual(method.fusion!.scales[0].0.weight.shape[1], guided ? 6 : 18)
        }
        // MSF: three scales mixed by learned weights (which matter), or one scale without them.
        let multi = try Self.make(), single = try Self.make(["msf": .bool(false)])
        XCTAssertEqual(multi.fusion!.scales.count, 3)
        XCTAssertEqual(single.fusion!.scales.count, 1)
        XCTAssertNil(single.fusion!.scaleWeight)
        let before = pseudo(multi)
        multi.fusion!.scaleWeight!.storage[1] += 0.5
        XCTAssertNotEqual(pseudo(multi), before)
        // LSTM: frame order matters through the LSTM, not through mean pooling.
        let reversed = Tensor.concatenated((0 ..< 4).reversed().map { Self.audio.sliced(axis: 1, range: $0 ..< $0 + 1) }, axis: 1)
        let withLSTM = try Self.make(), pooled = try Self.make(["lstm": .bool(false)])
        XCTAssertNotEqual(pseudo(withLSTM), pseudo(withLSTM, audio: reversed))
        assertClose(pseudo(pooled, audio: reversed), pseudo(pooled), rtol: 1e-5, atol: 1e-6)
        XCTAssertNil(pooled.lstm)
        // P: the LM input grows by P.
        for p in [1, 2, 4, 8] {
            let method = try Self.make(["pseudo_tokens": .int(p)])
            let sequence = GradMode.noGrad { method.encode(Self.input(), model: clip).sequence! }
            let lengths = Self.texts.map { method.prefixIds.count + p + method.lm.tokenizer.encode(" " + $0).count + method.promptIds.count }
            XCTAssertEqual(sequence.embeddings.shape, [3, lengths.max()!, 32])
            XCTAssertEqual(sequence.mask.map { $0.reduce(0, +) }, lengths)
        }
    }

    func testParameterFormulaAtLLMWidth() {
        let settings = MSEAdapter.descriptor.settings(.map(["lm": .string("unused")]))
        // d = 4 096 (ChatGLM3/LLaMA2), CLIP ViT-B/32 image embeddings (512), MOSEI's 74-d audio.
        let count = MSEAdapter.parameterCount(settings, lmWidth: 4_096, imageWidth: 512, audioWidth: 74)
        XCTAssertEqual(count, 2_715_532)
        XCTAssertTrue((2_600_000 ... 2_800_000).contains(count), "paper: 2.6–2.8 M")
        XCTAssertEqual(MSEAdapter.scaleWidths(lmWidth: 4_096, multiScale: true), [512, 128, 256])
    }

    func testLabelTextAndUnparsedOutputs() throws {
        XCTAssertEqual(LabelText.format(score: -1.44), " -1.4")
        XCTAssertEqual(LabelText.format(score: -0.04), " 0.0")
        XCTAssertEqual(LabelText.format(label: 3), " 3")
        XCTAssertEqual(LabelText.parseScore(" 2.5"), 2.5)
        XCTAssertNil(LabelText.parseScore(" zz o"))
        XCTAssertNil(LabelText.parseLabel(" 9", classes: 7))
        let lm = try CausalLM.shared(at: Self.lmDirectory)
        let head = LabelGenerationHead(kind: .regression, classes: 7, lm: lm)
        var predictions = Predictions()
        predictions.scores = [1.0, .nan, -2.0]
        predictions.count = 3
        let metrics = head.metrics(predictions, targets: Self.scores)
        XCTAssertEqual(metrics["unparsed"], 1)
        let regression = RegressionMetrics().compute(predictions: [1.0, 0.0, -2.0], targets: Self.scores.scores)
        XCTAssertEqual(metrics["mae"], regression["mae"])
        // Untrained, the random LM writes no number: every output counts as unparsed, with finite metrics.
        let method = try Self.make()
        let features = GradMode.noGrad { method.encode(Self.input(), model: CLIPModel(sharingWeightsOf: TinyCLIP.model())) }
        let predicted = method.makeHead(task: .regression, classes: 7)!.predict(features, targets: Self.scores)
        XCTAssertEqual(predicted.count, 3)
        XCTAssertTrue(predicted.lossSum.isFinite)
    }
}

import PEFTCLIP
import PEFTTensor
import PEFTTestSupport
import XCTest
@testable import PEFTMethods

/// DialCLIP's parts against finite differences, its ablation switches against the graph they must change, and
/// dialog batches (both retrieval types, distractors) through DialCLIP and through a baseline.
final class DialCLIPTests: XCTestCase {
    /// Rows 0 and 2 retrieve an image, row 1 a response; two turns for row 0, one each for the others.
    static var dialog: DialogInput {
        let tokens = { (rows: [[Int]]) in TokenBatch(rows: rows, padding: .longest, maxLength: 16, padTokenId: 0) }
        return DialogInput(types: [.image, .response, .image], turns: tokens([[62, 5, 63], [62, 9, 63], [62, 7, 63], [62, 1, 2, 63]]),
                           turnRows: [0, 0, 1, 2], responses: tokens([[62, 11, 12, 63]]), responseRows: [1],
                           distractorsPerRow: 2, distractorImages: randomTensor([4, 3, 16, 16], seed: 8, requiresGrad: false),
                           distractorImageRows: [0, 0, 2, 2], distractorResponses: tokens([[62, 13, 63], [62, 14, 15, 63]]),
                           distractorResponseRows: [1, 1])
    }

    static var input: EncoderInput {
        var input = TinyCLIP.input
        input.dialog = dialog
        return input
    }

    func testContextPromptGeneratorMatchesFiniteDifferences() {
        var rng = RNG(seed: 4)
        let generator = ContextPromptGenerator(projection: 3, hidden: 4, count: 2, textWidth: 3, visionWidth: 2, rng: &rng)
        let context = randomTensor([2, 6], seed: 5)
        assertGradientsMatch([("context", context)] + generator.namedParameters(), step: 1e-2, rtol: 2e-3) {
            let (text, vision) = generator(context)
            return Tensor.concatenated([text.reshaped([2, 6]), vision!.reshaped([2, 4])], axis: 1)
        }
        XCTAssertEqual(generator.parameterCount(),
                       ContextPromptGenerator.parameterCount(projection: 3, hidden: 4, count: 2, textWidth: 3, visionWidth: 2))
    }

    func testProjectionExpertsMatchFiniteDifferencesAndRouteByType() {
        var rng = RNG(seed: 6)
        let experts = ProjectionExperts(width: 4, rank: 2, shared: false, rng: &rng)
        for (i, (_, t)) in experts.namedParameters().enumerated() {
            t.storage = randomTensor(t.shape, seed: UInt64(9 + i), std: 0.5, requiresGrad: false).storage
        }
        let x = randomTensor([3, 4], seed: 7)
        let types: [RetrievalType] = [.response, .image, .response]
        assertGradientsMatch([("x", x)] + experts.namedParameters(), step: 1e-2) { experts(x, types: types) }

        let routed = GradMode.noGrad { experts(x, types: types) }
        let image = GradMode.noGrad { experts.experts[0].expert(x) }, response = GradMode.noGrad { experts.experts[1].expert(x) }
        XCTAssertEqual(Array(routed.storage[4 ..< 8]), Array(image.storage[4 ..< 8]), "row 1 goes through the image expert")
        XCTAssertEqual(Array(routed.storage[0 ..< 4]), Array(response.storage[0 ..< 4]), "row 0 through the response expert")
        XCTAssertNotEqual(image.storage, response.storage)
        XCTAssertEqual(experts.parameterCount(), ProjectionExperts.parameterCount(width: 4, rank: 2, count: 2))
    }

    /// The model's trainable tensors perturbed as after training (zero-initialised expert ups make experts identities).
    private func trained(_ values: [String: ConfigValue], base: CLIPModel) throws -> (CLIPModel, any PEFTMethod) {
        let (model, method, trainable, _) = try TinyCLIP.apply(DialCLIP.descriptor, values, base: base)
        for (i, (_, t)) in trainable.enumerated() {
            t.storage = randomTensor(t.shape, seed: UInt64(40 + i), std: 0.1, requiresGrad: false).storage
        }
        return (model, method)
    }

    /// Finite differences through the whole method on a dialog batch of both types: the generator (through the
    /// prompted context encoders, the context image's included), a deep domain prompt and the response expert.
    func testGradientsThroughTheWholeMethodMatchFiniteDifferences() throws {
        let base = TinyCLIP.model()
        let values: [String: ConfigValue] = ["n_context_prompts": .int(1), "context_hidden": .int(2), "n_domain_prompts": .int(1),
                                             "expert_rank": .int(1)]
        let (model, method, trainable, _) = try TinyCLIP.apply(DialCLIP.descriptor, values, base: base)
        TowerGradientCheck.unitScale(trainable.filter { !$0.0.hasSuffix(".bias") })
        let checked = trainable.filter {
            ["dialclip.context_generator.fc1.bias", "dialclip.text_domain.prompts.1", "dialclip.experts.response.up.weight"].contains($0.0)
        }
        XCTAssertEqual(checked.count, 3)
        var input = Self.input
        input.dialog?.distractorsPerRow = 0
        // h = 0.1: the loss runs through up to three prompted tower passes per row in Float32, and the worst
        // difference shrinks as h grows (1.2e-3 at h = 2e-2, 2.7e-4 at 5e-2, against gradients up to 0.19): rounding
        // noise amplified by 1/h, not the gradient's error, which would grow with h.
        XCTAssertEqual(gradientMismatches(checked, step: 1e-1, rtol: 3e-3, atol: TowerGradientCheck.noise) {
            let features = method.encode(input, model: model)
            return Tensor.concatenated([features.image!, features.text!], axis: 1)
        }, [])
    }

    func testContextPromptsOffRemovesTheContextFromTheQueries() throws {
        let base = TinyCLIP.model()
        var other = Self.input
        other.dialog?.turns = TokenBatch(rows: [[62, 30, 63], [62, 31, 63], [62, 32, 63], [62, 33, 34, 63]], padding: .longest,
                                         maxLength: 16, padTokenId: 0)
        let (on, onMethod) = try trained([:], base: base)
        let (off, offMethod) = try trained(["context_prompts": .bool(false)], base: base)
        XCTAssertNotNil((onMethod as! DialCLIP).modules?.generator)
        XCTAssertNil((offMethod as! DialCLIP).modules?.generator)
        let (a, b) = GradMode.noGrad { (onMethod.encode(Self.input, model: on), onMethod.encode(other, model: on)) }
        XCTAssertGreaterThan(zip(a.text!.storage, b.text!.storage).map { Swift.abs($0 - $1) }.max()!, 1e-4,
                             "with context prompts the queries depend on the turns")
        XCTAssertEqual(a.image!.storage, b.image!.storage, "candidates never see the context")
        let (c, d) = GradMode.noGrad { (offMethod.encode(Self.input, model: off), offMethod.encode(other, model: off)) }
        XCTAssertEqual(c.text!.storage, d.text!.storage, "without context prompts the turns change nothing")
    }

    func testSharedExpertMapsEveryTypeAlike() throws {
        let base = TinyCLIP.model()
        var flipped = Self.input
        flipped.dialog?.types = [.image, .response, .response]
        flipped.dialog?.responses = TokenBatch(rows: [[62, 11, 12, 63], [62, 1, 2, 63]], padding: .longest, maxLength: 16, padTokenId: 0)
        flipped.dialog?.responseRows = [1, 2]
        flipped.dialog?.distractorsPerRow = 0
        var same = Self.input
        same.dialog?.distractorsPerRow = 0
        for (experts, changes) in [("per_type", true), ("shared", false)] {
            let (model, method) = try trained(["experts": .string(experts), "context_prompts": .bool(false)], base: base)
            let (a, b) = GradMode.noGrad { (method.encode(same, model: model), method.encode(flipped, model: model)) }
            let query = { (t: Tensor) in Array(t.storage[(2 * t.shape[1]) ..< (3 * t.shape[1])]) }
            XCTAssertEqual(query(a.text!) != query(b.text!), changes, "\(experts): row 2's query under the other type's expert")
        }
    }

    func testDialogBatchGivesCandidatesPerTypeAndDistractors() throws {
        let base = TinyCLIP.model()
        let (model, method) = try trained([:], base: base)
        let features = method.encode(Self.input, model: model)
        XCTAssertEqual(features.image!.shape, [3, 24])
        XCTAssertEqual(features.dialog?.distractors?.shape, [3, 2, 24])
        XCTAssertEqual(features.dialog?.types, [.image, .response, .image])
        (features.image!.sum() + features.text!.sum()).backward()
        for (name, t) in model.trainableParameters() { XCTAssertNotNil(t.grad, name) }

        // Row 1's candidate is its response through the prompted text tower and the response expert.
        let modules = (method as! DialCLIP).modules!
        let response = GradMode.noGrad {
            modules.experts(modules.text(Self.dialog.responses!, context: nil, model: model), types: [.response])
        }
        let width = 24
        assertClose(Array(features.image!.storage[width ..< 2 * width]), response.storage, rtol: 1e-5, atol: 1e-6)
    }

    func testBaselineEncodesResponsesWithItsOwnTextSide() throws {
        let base = TinyCLIP.model()
        let (model, method, trainable, _) = try TinyCLIP.apply(LoRA.descriptor, [:], base: base)
        for (i, (_, t)) in trainable.enumerated() { t.storage = randomTensor(t.shape, seed: UInt64(i), std: 0.1, requiresGrad: false).storage }
        let features = GradMode.noGrad { DialogRetrieval.encode(method, Self.input, model: model) }
        let plain = GradMode.noGrad { method.encode(TinyCLIP.input, model: model) }
        let response = GradMode.noGrad { model.text(Self.dialog.responses!).embeddings }
        let width = 24
        XCTAssertEqual(Array(features.image!.storage[0 ..< width]), Array(plain.image!.storage[0 ..< width]))
        assertClose(Array(features.image!.storage[width ..< 2 * width]), response.storage, rtol: 1e-5, atol: 1e-6)
        XCTAssertEqual(features.text!.storage, plain.text!.storage, "queries are the contexts")
        XCTAssertEqual(features.dialog?.distractors?.shape, [3, 2, width])
    }

    func testTrainableShareAtViTB32() {
        let config = CLIPConfig()
        let d = DialCLIP.descriptor
        let count = d.parameterCount(d.settings(nil), config)
        XCTAssertEqual(count, 31_240 + 23_040 + 8_192, "generator + domain prompts (9 layers) + two rank-4 experts")
        XCTAssertEqual(Double(count) / Double(config.parameterCount) * 100, 0.0413, accuracy: 0.0001, "the paper's 0.04 %")
        let shared = d.parameterCount(d.settings(.map(["experts": .string("shared")])), config)
        XCTAssertEqual(count - shared, 4_096)
    }

    func testDialogMetricsPerTypeAndAgainstDistractors() {
        // Row 0 (image) and row 2 (response) match their candidates; row 1 (image) prefers row 0's candidate.
        let candidates: [[Float]] = [[1, 0], [0.9, 0.1], [0, 1]], queries: [[Float]] = [[1, 0], [1, 0.05], [0, 1]]
        let m = DialogRetrievalMetrics().compute(candidates: candidates, queries: queries, types: [.image, .image, .response],
                                                 distractorRanks: [1, 2, 1])
        XCTAssertEqual(m["image_t2i_r1"], 0.5)
        XCTAssertEqual(m["response_t2i_r1"], 1)
        XCTAssertEqual(m["distractor_r1"]!, 2.0 / 3, accuracy: 1e-12)
        XCTAssertEqual(m["image_distractor_r1"], 0.5)
        XCTAssertEqual(m["distractor_mrr"]!, (1 + 0.5 + 1) / 3, accuracy: 1e-12)
        let ranks = DialogRetrievalMetrics.distractorRanks(candidates: [1, 0], queries: [1, 0.1], distractors: [0, 1, 1, 0.2],
                                                           batch: 1, k: 2, width: 2)
        XCTAssertEqual(ranks, [2], "the second distractor is closer to the query than the target")
    }
}

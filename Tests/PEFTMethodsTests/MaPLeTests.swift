import PEFTCLIP
import PEFTTensor
import PEFTTestSupport
import XCTest
@testable import PEFTMethods

final class MaPLeTests: XCTestCase {
    func testCountsTheAuthorsPromptLearner() throws {
        let d = MaPLe.descriptor
        XCTAssertEqual(d.parameterCount(d.settings(nil), CLIPConfig()), 9 * (2 * 512 + 512 * 768 + 768))
        XCTAssertEqual(d.parameterCount(d.settings(nil), CLIPConfig()), 3_555_072, "the paper's 3.55 M")
        let (_, _, trainable, _) = try TinyCLIP.apply(d, [:], base: TinyCLIP.model())
        XCTAssertEqual(trainable.map(\.0), [
            "prompt_learner.ctx", "prompt_learner.proj.weight", "prompt_learner.proj.bias",
            "prompt_learner.compound_prompts_text.0", "prompt_learner.compound_prompt_projections.0.weight",
            "prompt_learner.compound_prompt_projections.0.bias",
        ], "depth 9 clamps to the 2 layers")
    }

    /// The lockstep encoder against each tower run alone with the same prompt edits.
    func testLockstepEncodingEqualsEachTowerAloneWithTheSamePrompts() throws {
        let (model, method, _, _) = try TinyCLIP.apply(MaPLe.descriptor, ["n_ctx": .int(2)], base: TinyCLIP.model())
        let learner = try XCTUnwrap((method as? MaPLe)?.learner)
        let features = GradMode.noGrad { method.encode(TinyCLIP.input, model: model) }
        let (text, image): (Tensor, Tensor) = GradMode.noGrad {
            let vision = learner.visionPrompts()
            var t = PromptedText.begin(model.text, TinyCLIP.tokens, context: learner.textPrompts[0])
            model.text.step(&t)
            t.replaceTokens(at: 1, with: learner.textPrompts[1])
            model.text.step(&t)
            t.removeTokens(at: 1, count: 2)
            let embedded = model.vision.embed(pixels: TinyCLIP.pixels)
            var v = model.vision.begin(embeddings: Tensor.concatenated([embedded, vision[0].unsqueezed(axis: 0).expanded(to: [3, 2, 32])], axis: 1))
            model.vision.step(&v)
            v.replaceTokens(at: 5, with: vision[1])
            model.vision.step(&v)
            v.removeTokens(at: 5, count: 2)
            return (model.text.finish(t).embeddings, model.vision.finish(v).embeddings)
        }
        XCTAssertEqual(features.text!.storage, text.storage)
        XCTAssertEqual(features.image!.storage, image.storage)
        // Every layer's prompts matter.
        learner.textPrompts[1].storage = learner.textPrompts[1].storage.map { $0 + 0.5 }
        let changed = GradMode.noGrad { method.encode(TinyCLIP.input, model: model) }
        XCTAssertNotEqual(changed.text!.storage, features.text!.storage)
        XCTAssertNotEqual(changed.image!.storage, features.image!.storage)
    }

    func testVisionOnlyRunsUseTheCoupledPrompts() throws {
        let (model, method, _, _) = try TinyCLIP.apply(MaPLe.descriptor, [:], base: TinyCLIP.model())
        let both = GradMode.noGrad { method.encode(TinyCLIP.input, model: model) }
        let alone = GradMode.noGrad { method.encode(EncoderInput(vision: .pixels(TinyCLIP.pixels)), model: model) }
        XCTAssertNil(alone.text)
        XCTAssertEqual(alone.image!.storage, both.image!.storage)
    }

    func testGradientsOfPromptsAndCouplingsMatchFiniteDifferences() throws {
        let (model, method, trainable, _) = try TinyCLIP.apply(MaPLe.descriptor, ["n_ctx": .int(2)], base: TinyCLIP.model())
        let checked = trainable.filter { !$0.0.hasSuffix(".weight") }  // prompts and coupling biases; weights are plain linears
        XCTAssertEqual(checked.count, 4)
        TowerGradientCheck.unitScale(checked.filter { !$0.0.hasSuffix(".bias") })
        XCTAssertEqual(gradientMismatches(checked, step: 5e-2, rtol: 3e-3, atol: TowerGradientCheck.noise) {
            let features = method.encode(TinyCLIP.input, model: model)
            return Tensor.concatenated([features.image!, features.text!], axis: 1)
        }, [])
    }
}

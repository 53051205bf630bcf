import Foundation
import PEFTCLIP
import PEFTTensor
import PEFTTestSupport
import XCTest
@testable import PEFTMethods

/// `DeepPrompts` in the residual stream: VPT on the vision tower, prefix (deep prompt tuning) on the text tower.
final class DeepPromptsTests: XCTestCase {
    /// Records the residual stream entering each layer (a hook after the one under test).
    private final class Recorder: TowerHook {
        let hookName = "recorder"
        var inputs: [Int: TowerState] = [:]
        func beforeLayer(_ layer: Int, state: inout TowerState) { inputs[layer] = state }
        func namedParameters() -> [(String, Tensor)] { [] }
    }

    private func tokens(_ state: TowerState, _ range: Range<Int>) -> [Float] {
        let (t, d) = (state.length, state.width)
        var values: [Float] = []
        for b in 0 ..< state.batchSize {
            for i in range {
                let start = (b * t + i) * d
                values += state.hidden.storage[start ..< start + d]
            }
        }
        return values
    }

    func testDeepPromptsAreReplacedAtEveryLayerAndShallowOnesTravel() throws {
        for depth in VPT.Depth.allCases {
            let (model, method, trainable, _) = try TinyCLIP.apply(VPT.descriptor, ["depth": .string(depth.rawValue), "n_prompts": .int(2)],
                                                                  base: TinyCLIP.model())
            let recorder = Recorder()
            model.vision.hooks.append(recorder)
            let output = GradMode.noGrad { model.vision(TinyCLIP.pixels) }
            XCTAssertEqual(trainable.map(\.0), depth == .deep ? ["vision_model.hooks.vpt.prompts.0", "vision_model.hooks.vpt.prompts.1"]
                                                               : ["vision_model.hooks.vpt.prompts.0"])
            let prompts0 = trainable[0].1.storage
            XCTAssertEqual(recorder.inputs[0]?.length, 5 + 2, "class + 4 patches + 2 prompts")
            XCTAssertEqual(tokens(recorder.inputs[0]!, 1 ..< 3), Array([prompts0, prompts0, prompts0].joined()))
            if depth == .deep {
                XCTAssertEqual(tokens(recorder.inputs[1]!, 1 ..< 3), Array([[Float]](repeating: trainable[1].1.storage, count: 3).joined()))
            } else {
                XCTAssertNotEqual(tokens(recorder.inputs[1]!, 1 ..< 3), Array([prompts0, prompts0, prompts0].joined()), "they went through layer 0")
            }
            XCTAssertEqual(output.lastHiddenState.shape, [3, 5, 32], "prompts removed before pooling")
            XCTAssertEqual(output.state.poolPositions, [0, 0, 0])
            XCTAssertEqual(method.reach(.vision, in: model), .fromLayer(0))
            XCTAssertEqual(method.reach(.text, in: model), .frozen)
        }
    }

    func testVisionPromptGradientsMatchFiniteDifferences() throws {
        let (model, _, prompts, _) = try TinyCLIP.apply(VPT.descriptor, ["n_prompts": .int(2)], base: TinyCLIP.model())
        TowerGradientCheck.unitScale(prompts)
        XCTAssertEqual(gradientMismatches(prompts, step: 5e-2, rtol: 3e-3, atol: TowerGradientCheck.noise) {
            model.vision(TinyCLIP.pixels).embeddings
        }, [])
    }

    func testVPTKeepsToTheVisionTowerAndCountsAtViTB32() {
        let towers = VPT.descriptor.parameters.first { $0.name == "towers" }!
        if case .success = towers.check(.string("text")) { XCTFail("VPT must refuse towers: text") }
        if case .failure = towers.check(.string("vision")) { XCTFail("VPT takes towers: vision") }
        let vpt = VPT.descriptor, config = CLIPConfig()
        XCTAssertEqual(vpt.parameterCount(vpt.settings(nil), config), 8 * 768 * 12)
        XCTAssertEqual(vpt.parameterCount(vpt.settings(.map(["depth": .string("shallow")])), config), 6_144)
        XCTAssertEqual(vpt.parameterCount(vpt.settings(.map(["layers": .string("7-12")])), config), 36_864)
        XCTAssertEqual(vpt.check(vpt.settings(.map(["layers": .string("2-3")])), TinyCLIP.config).map(\.parameter), ["layers"],
                       "only the vision tower's depth is checked")
    }

    // MARK: prefix (text)

    func testTextPromptsMovePoolingAndBack() throws {
        let (model, _, _, _) = try TinyCLIP.apply(PrefixTuning.descriptor, ["n_prompts": .int(3)], base: TinyCLIP.model())
        let recorder = Recorder()
        model.text.hooks.append(recorder)
        let output = GradMode.noGrad { model.text(TinyCLIP.tokens) }
        let plain = model.text.poolPositions(TinyCLIP.tokens.ids)
        XCTAssertEqual(recorder.inputs[0]?.poolPositions, plain.map { $0 + 3 })
        XCTAssertEqual(recorder.inputs[1]?.attentionMask?[1], [1, 1, 1, 1, 1, 1, 0, 0, 0], "prompts unmasked, padding still masked")
        XCTAssertEqual(output.state.poolPositions, plain)
        XCTAssertEqual(output.lastHiddenState.shape, [3, 6, 32])
    }

    func testTextPromptGradientsMatchFiniteDifferences() throws {
        let (model, _, prompts, _) = try TinyCLIP.apply(PrefixTuning.descriptor, ["n_prompts": .int(2)], base: TinyCLIP.model())
        TowerGradientCheck.unitScale(prompts)
        XCTAssertEqual(gradientMismatches(prompts, step: 5e-2, rtol: 3e-3, atol: TowerGradientCheck.noise) {
            model.text(TinyCLIP.tokens).embeddings
        }, [])
    }

    func testPrefixKeepsToTheTextTowerAndCountsAtViTB32() {
        let towers = PrefixTuning.descriptor.parameters.first { $0.name == "towers" }!
        if case .success = towers.check(.string("vision")) { XCTFail("prefix must refuse towers: vision") }
        let prefix = PrefixTuning.descriptor
        XCTAssertEqual(prefix.parameterCount(prefix.settings(nil), CLIPConfig()), 49_152)
        XCTAssertEqual(prefix.parameterCount(prefix.settings(.map(["layers": .string("upper")])), CLIPConfig()), 24_576)
    }
}

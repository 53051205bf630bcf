import Foundation
import PEFTCLIP
import PEFTTensor
import PEFTTestSupport
import XCTest
@testable import PEFTMethods

/// CoOp: context vectors in the text input (`PromptedText`), end-of-text pooling and truncation, gradients, export.
final class CoOpTests: XCTestCase {
    func testContextPoolsTheRealEndOfTextTokenAndTruncationKeepsIt() {
        let model = TinyCLIP.model()
        let n = 6  // 16 positions − 6 leave 10 for the real tokens
        let context = randomTensor([n, 32], seed: 3, requiresGrad: false)
        let long = [62] + Array(1 ... 12) + [63]  // 14 tokens: 4 too many
        let batch = TokenBatch(rows: [[62, 5, 63], long], padding: .longest, maxLength: 16, padTokenId: 0)
        let state = GradMode.noGrad { PromptedText.begin(model.text, batch, context: context) }
        XCTAssertEqual(state.length, 16)
        XCTAssertEqual(state.poolPositions, [2 + n, 9 + n], "end-of-text after the context; the long row keeps it at its 10th token")
        XCTAssertEqual(state.attentionMask?[0], [Int](repeating: 1, count: 3 + n) + [Int](repeating: 0, count: 16 - 3 - n))
        XCTAssertEqual(state.attentionMask?[1], [Int](repeating: 1, count: 16))
        let width = 32
        func row(_ b: Int, _ t: Int) -> [Float] { Array(state.hidden.storage[(b * 16 + t) * width ..< (b * 16 + t + 1) * width]) }
        func embedding(_ id: Int, at position: Int) -> [Float] {
            (0 ..< width).map { model.text.tokenEmbedding.storage[id * width + $0] + model.text.positionEmbedding.storage[position * width + $0] }
        }
        assertClose(row(0, 0), embedding(62, at: 0), rtol: 1e-6, atol: 1e-7)
        assertClose(row(0, 1), (0 ..< width).map { context.storage[$0] + model.text.positionEmbedding.storage[width + $0] }, rtol: 1e-6, atol: 1e-7)
        assertClose(row(0, n + 1), embedding(5, at: n + 1), rtol: 1e-6, atol: 1e-7)
        assertClose(row(0, state.poolPositions[0]), embedding(63, at: 2 + n), rtol: 1e-6, atol: 1e-7)
        assertClose(row(1, 8 + n), embedding(8, at: 8 + n), rtol: 1e-6, atol: 1e-7, "tokens 9…12 dropped")
        assertClose(row(1, state.poolPositions[1]), embedding(63, at: 15), rtol: 1e-6, atol: 1e-7)
    }

    func testCoOpContextGradientMatchesFiniteDifferences() throws {
        let (model, method, trainable, _) = try TinyCLIP.apply(CoOp.descriptor, ["n_ctx": .int(2)], base: TinyCLIP.model())
        let ctx = try XCTUnwrap(trainable.first?.1)
        TowerGradientCheck.unitScale(trainable)
        let input = EncoderInput(text: .tokens(TinyCLIP.tokens))
        XCTAssertEqual(gradientMismatches([("ctx", ctx)], step: 5e-2, rtol: 3e-3, atol: TowerGradientCheck.noise) { method.encode(input, model: model).text! }, [])
    }

    func testCoOpChecksItsContextFitsThePositionsAndExportsPromptTuning() throws {
        let d = CoOp.descriptor
        XCTAssertEqual(d.check(d.settings(.map(["n_ctx": .int(15)])), TinyCLIP.config).map(\.parameter), ["n_ctx"])
        XCTAssertTrue(d.check(d.settings(.map(["n_ctx": .int(14)])), TinyCLIP.config).isEmpty)
        XCTAssertEqual(d.parameterCount(d.settings(nil), CLIPConfig()), 8_192)
        let (model, method, trainable, _) = try TinyCLIP.apply(d, ["n_ctx": .int(4)], base: TinyCLIP.model())
        XCTAssertEqual(trainable.map(\.0), ["prompt_learner.ctx"])
        XCTAssertEqual(method.reach(.text, in: model), .fromLayer(0))
        XCTAssertEqual(method.reach(.vision, in: model), .frozen)
        let adapter = try XCTUnwrap(method.peftAdapter(model: model))
        XCTAssertEqual(adapter.tensors.map(\.name), ["prompt_embeddings"])
        XCTAssertEqual(adapter.tensors[0].shape, [4, 32])
        XCTAssertEqual(adapter.tensors[0].values, trainable[0].1.storage)
        XCTAssertEqual(adapter.config["peft_type"] as? String, "PROMPT_TUNING")
        XCTAssertEqual(adapter.config["num_virtual_tokens"] as? Int, 4)
        XCTAssertEqual(adapter.config["token_dim"] as? Int, 32)
        XCTAssertThrowsError(try adapter.apply(to: model, path: "x"), "embed cannot apply prompt tuning")
    }
}

import Foundation
import PEFTCLIP
import PEFTTensor
import PEFTTestSupport
import XCTest

/// The encoder's extension points, each driven by a module from TestAdapters.swift: wrapped linears, adapters after
/// attention and MLP, prompts at any layer, input embeddings, resuming from a cached state, lockstep towers.
final class CLIPHookTests: XCTestCase {
    let batch = tinyBatch([[5, 6, 7], [8, 9, 10, 11, 12], [13]])

    func pixels(seed: UInt64 = 3) -> Tensor { randomTensor([2, 3, 16, 16], seed: seed, requiresGrad: false) }

    func testWrappedLinearsStartAtBaseAndTrainOnlyTheirTensors() throws {
        let model = tinyModel()
        let base = model.encodeTexts(batch)
        for (i, layer) in model.text.layers.enumerated() {
            layer.qProj = TestLoRA(wrapping: layer.qProj.base, rank: 2, seed: UInt64(i))
            layer.vProj = TestLoRA(wrapping: layer.vProj.base, rank: 2, seed: UInt64(10 + i))
        }
        assertClose(model.encodeTexts(batch), base, rtol: 0, atol: 0, "LoRA with B = 0 is the identity")
        let names = model.trainableParameters().map(\.0)
        XCTAssertEqual(names.count, 8)
        XCTAssertTrue(names.contains("text_model.encoder.layers.1.self_attn.v_proj.lora_B.weight"), "\(names)")

        let lora = try XCTUnwrap(model.text.layers[0].qProj as? TestLoRA)
        lora.b.storage = lora.b.storage.indices.map { Float($0 % 3) * 0.1 }
        let loss = model.encodeTexts(batch).pow(2).mean()
        loss.backward()
        XCTAssertNotNil(lora.a.grad)
        XCTAssertNotNil(lora.b.grad)
        XCTAssertNil(lora.base.weight.grad, "frozen base weights get no gradient")
        XCTAssertNil(model.text.tokenEmbedding.grad)
        XCTAssertGreaterThan(Swift.abs(model.encodeTexts(batch).storage[0] - base.storage[0]), 0)
    }

    func testAdaptersAfterAttentionAndMLPStartAtBaseAndReceiveGradients() throws {
        let model = tinyModel()
        let input = pixels()
        let base = model.encodeImages(input)
        let shared = SharedState()
        for layer in model.vision.layers {
            layer.attentionAdapters = [TestBottleneck(width: 32, bottleneck: 4, shared: shared, seed: 1)]
            layer.mlpAdapters = [TestBottleneck(width: 32, bottleneck: 4, shared: shared, seed: 2)]
        }
        assertClose(model.encodeImages(input), base, rtol: 0, atol: 0, "zero-initialised up projection")
        XCTAssertTrue(model.namedParameters().map(\.0).contains("vision_model.encoder.layers.1.mlp_adapters.0.up.weight"))
        let adapter = try XCTUnwrap(model.vision.layers[1].mlpAdapters[0] as? TestBottleneck)
        model.encodeImages(input).sum().backward()
        XCTAssertNotNil(adapter.up.weight.grad)
        XCTAssertNil(model.vision.patchEmbedding.grad)
    }

    func testDeepVisionPromptsAreInsertedReplacedAndRemoved() throws {
        let model = tinyModel()
        let input = pixels()
        let base = model.vision(input)
        let hook = TestDeepPrompts(layers: 2, count: 3, width: 32, position: 1, seed: 5)
        model.vision.hooks = [hook]
        var state = model.vision.begin(pixels: input)
        XCTAssertEqual(state.length, 5)
        model.vision.step(&state)
        XCTAssertEqual(state.length, 8, "3 prompts after the class token")
        XCTAssertEqual(state.poolPositions, [0, 0])
        let output = model.vision.finish(state)
        XCTAssertEqual(output.lastHiddenState.shape, [2, 5, 32], "prompts removed after the last layer")
        XCTAssertGreaterThan(output.embeddings.storage.enumerated().map { Swift.abs($0.element - base.embeddings.storage[$0.offset]) }.max() ?? 0, 1e-4)
        output.embeddings.sum().backward()
        XCTAssertNotNil(hook.prompts[1].grad, "the layer-1 prompts are trained")
    }

    func testTextPromptsShiftPoolingAndRespectTheCausalMask() throws {
        let model = tinyModel()
        let base = model.text(batch)
        // Tokens appended at the end: causal attention hides them from every real token.
        model.text.hooks = [TestDeepPrompts(layers: 2, first: 1, count: 2, width: 32, position: batch.length, seed: 9)]
        let appended = model.text(batch)
        assertClose(appended.embeddings, base.embeddings, rtol: 0, atol: 1e-6, "later tokens are invisible")
        // Tokens after the start token: every row's pooled end-of-text position moves by 2.
        model.text.hooks = [TestDeepPrompts(layers: 2, first: 1, count: 2, width: 32, position: 1, seed: 9)]
        var state = model.text.begin(batch)
        model.text.step(&state)
        model.text.step(&state)
        XCTAssertEqual(state.poolPositions, [6, 8, 4])
        XCTAssertEqual(state.attentionMask?[2], [1, 1, 1, 1, 1, 0, 0, 0, 0])
        let inserted = model.text.finish(state)
        XCTAssertEqual(inserted.state.poolPositions, [4, 6, 2], "positions restored after removal")
        XCTAssertGreaterThan(Swift.abs(inserted.embeddings.storage[0] - base.embeddings.storage[0]), 1e-5)
    }

    func testInputEmbeddingsReproduceTokenIdsAndPoolAtTheRealEndOfText() throws {
        let model = tinyModel()
        let viaIds = model.text(batch).embeddings
        let embeddings = model.text.embedTokens(batch.ids)
        let viaEmbeddings = model.text.finish(model.text.begin(tokenEmbeddings: embeddings,
                                                               poolPositions: model.text.poolPositions(batch.ids),
                                                               attentionMask: batch.attentionMask))
        assertClose(viaEmbeddings.embeddings, viaIds, rtol: 0, atol: 0)

        // Pseudo tokens inserted before the text (MSE-Adapter): equal to tokens 20, 21 written into the ids.
        let pseudo = model.text.embedTokens([[20, 21]])
        let spliced = Tensor.concatenated([embeddings.sliced(axis: 1, range: 0 ..< 1),
                                           pseudo.expanded(to: [3, 2, 32]),
                                           embeddings.sliced(axis: 1, range: 1 ..< batch.length)], axis: 1)
        let positions = model.text.poolPositions(batch.ids).map { $0 + 2 }
        let masks = batch.attentionMask.map { [1, 1, 1] + $0.dropFirst() }
        let viaPseudo = model.text.finish(model.text.begin(tokenEmbeddings: spliced, poolPositions: positions,
                                                           attentionMask: masks)).embeddings
        let written = tinyBatch([[20, 21, 5, 6, 7], [20, 21, 8, 9, 10, 11, 12], [20, 21, 13]])
        assertClose(viaPseudo, model.text(written).embeddings, rtol: 0, atol: 1e-6)

        // CoOp: learned context vectors replace the embeddings of positions 1…2 and receive the gradient.
        let context = randomTensor([1, 2, 32], seed: 4, std: 0.02)
        let prompt = Tensor.concatenated([embeddings.sliced(axis: 1, range: 0 ..< 1), context.expanded(to: [3, 2, 32]),
                                          embeddings.sliced(axis: 1, range: 3 ..< batch.length)], axis: 1)
        let coop = model.text.finish(model.text.begin(tokenEmbeddings: prompt,
                                                      poolPositions: model.text.poolPositions(batch.ids),
                                                      attentionMask: batch.attentionMask))
        coop.embeddings.sum().backward()
        XCTAssertEqual(context.grad?.count, 64)
    }

    func testResumingFromACachedStateMatchesTheFullRun() throws {
        let model = tinyModel()
        let input = pixels()
        let full = model.vision(input, recordHiddenStates: true)
        let states = try XCTUnwrap(full.hiddenStates)
        for layer in 0 ... 2 {
            let resumed = model.vision.finish(model.vision.resume(hidden: states[layer], atLayer: layer))
            assertClose(resumed.embeddings, full.embeddings, rtol: 0, atol: 0, "vision resumed at layer \(layer)")
        }
        let text = model.text(batch, recordHiddenStates: true)
        let cached = try XCTUnwrap(text.hiddenStates)[1]
        let resumed = model.text.finish(model.text.resume(hidden: cached, atLayer: 1,
                                                          poolPositions: model.text.poolPositions(batch.ids),
                                                          attentionMask: batch.attentionMask))
        assertClose(resumed.embeddings, text.embeddings, rtol: 0, atol: 0, "text resumed at layer 1")
    }

    func testLockstepTowersShareTextAdapterStatesWithVision() throws {
        let model = tinyModel()
        let shared = SharedState()
        for (tower, seed) in [(TowerKind.text, UInt64(1)), (.vision, 2)] {
            for layer in model.layers(tower) {
                let adapter = TestBottleneck(width: 32, bottleneck: 4, shared: shared, seed: seed)
                adapter.up.weight.storage = adapter.up.weight.storage.indices.map { Float($0 % 5) * 0.05 }
                layer.mlpAdapters = [adapter]
            }
        }
        func imageEmbeddings(_ texts: TokenBatch) -> Tensor {
            var t = model.text.begin(texts)
            var v = model.vision.begin(pixels: pixels())
            for layer in 0 ..< 2 {
                model.text.step(&t, layer: layer)
                model.vision.step(&v, layer: layer)
            }
            _ = model.text.finish(t)
            return model.vision.finish(v).embeddings
        }
        let first = imageEmbeddings(tinyBatch([[5, 6], [7]]))
        let second = imageEmbeddings(tinyBatch([[30, 31], [32]]))
        XCTAssertGreaterThan(Swift.abs(first.storage[0] - second.storage[0]), 1e-6, "image depends on the text state")
        first.sum().backward()
        let textAdapter = try XCTUnwrap(model.text.layers[0].mlpAdapters[0] as? TestBottleneck)
        XCTAssertNotNil(textAdapter.down.weight.grad, "the image loss reaches the text adapter through the share")
    }

    func testSavingWritesTheBaseWeightsAndReloadsIdentically() throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let model = tinyModel()
        let texts = model.encodeTexts(batch)
        let images = model.encodeImages(pixels())
        model.text.layers[0].qProj = TestLoRA(wrapping: model.text.layers[0].qProj.base, rank: 2, seed: 1)
        model.vision.hooks = [TestDeepPrompts(layers: 2, count: 1, width: 32, position: 1, seed: 1)]
        try model.save(to: directory)
        let reloaded = try CLIPModel.load(from: directory)
        XCTAssertEqual(reloaded.config, model.config)
        assertClose(reloaded.encodeTexts(batch), texts, rtol: 0, atol: 0)
        assertClose(reloaded.encodeImages(pixels()), images, rtol: 0, atol: 0)
        XCTAssertEqual(reloaded.namedParameters().count, model.baseParameters().count)
    }
}

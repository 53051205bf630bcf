import Foundation
import PEFTCLIP
import PEFTLM
import PEFTTensor
import PEFTTestSupport
import XCTest

/// The GPT-2 forward pass, KV cache and greedy decoding against transformers on the tiny random GPT-2.
final class GPT2ModelTests: XCTestCase {
    func testLogitsEqualTransformers() throws {
        let lm = try CausalLM.load(from: Fixtures.tinyGPT2)
        let golden = try Fixtures.goldens()["logits"] as! [String: Any]
        let ids = (golden["ids"] as! [NSNumber]).map(\.intValue)
        XCTAssertEqual(lm.tokenizer.encode(golden["prompt"] as! String), ids)
        let expected = (golden["values"] as! [NSNumber]).map(\.floatValue)
        let logits = GradMode.noGrad { lm.model.logits(lm.model(lm.model.embed([ids]))) }
        XCTAssertEqual(logits.shape, (golden["shape"] as! [NSNumber]).map(\.intValue))
        assertClose(logits.storage, expected, rtol: 0, atol: 1e-4)
    }

    func testGreedyGenerationEqualsTransformers() throws {
        let lm = try CausalLM.load(from: Fixtures.tinyGPT2)
        let cases = try Fixtures.goldens()["greedy"] as! [[String: Any]]
        for item in cases {
            let prompt = item["prompt"] as! String
            let generation = lm.generate(prompt: prompt, maxNewTokens: (item["new_ids"] as! [Any]).count)
            XCTAssertEqual(generation.promptIds, (item["prompt_ids"] as! [NSNumber]).map(\.intValue), prompt)
            XCTAssertEqual(generation.newIds, (item["new_ids"] as! [NSNumber]).map(\.intValue), prompt)
            XCTAssertEqual(generation.text, item["text"] as! String, prompt)
        }
        // A left-padded batch generates what each prompt generates alone.
        let prompts = cases.map { lm.tokenizer.encode($0["prompt"] as! String) }
        let batch = lm.model.greedy(prompts: prompts, maxNewTokens: 6)
        for (row, item) in cases.enumerated() {
            XCTAssertEqual(batch[row], Array((item["new_ids"] as! [NSNumber]).map(\.intValue).prefix(6)), "batch row \(row)")
        }
    }

    func testCachedStepsEqualTheFullForward() throws {
        let model = try GPT2Model.load(from: Fixtures.tinyGPT2)
        let ids = [5, 17, 42, 99, 7, 3]
        GradMode.noGrad {
            let full = model(model.embed([ids]))
            let cache = KVCache(for: model)
            let first = model(model.embed([Array(ids.prefix(4))]), cache: cache)
            let second = model(model.embed([Array(ids.suffix(2))]), cache: cache)
            XCTAssertEqual(cache.length, 6)
            assertClose(Tensor.concatenated([first, second], axis: 1), full, rtol: 1e-5, atol: 1e-5)
        }
    }

    func testSaveLoadRoundTripAndPaddingMask() throws {
        let model = try GPT2Model.load(from: Fixtures.tinyGPT2)
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try model.save(to: directory)
        let reloaded = try GPT2Model.load(from: directory)
        XCTAssertEqual(reloaded.config, model.config)
        for ((name, a), (_, b)) in zip(model.namedParameters(), reloaded.namedParameters()) {
            XCTAssertEqual(a.storage, b.storage, name)
        }
        XCTAssertEqual(model.parameterCount(), model.config.parameterCount)
        // Right padding: the real positions do not see the padded one.
        GradMode.noGrad {
            let alone = model(model.embed([[5, 6, 7]]))
            let padded = model(model.embed([[5, 6, 7, 0]]), attentionMask: [[1, 1, 1, 0]])
            assertClose(padded.sliced(axis: 1, range: 0 ..< 3), alone, rtol: 1e-5, atol: 1e-6)
        }
    }

    func testCheckpointProblemsAreReportedTogether() throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        for file in ["config.json", "vocab.json", "merges.txt"] {
            try FileManager.default.copyItem(at: Fixtures.tinyGPT2.appendingPathComponent(file),
                                             to: directory.appendingPathComponent(file))
        }
        let model = try GPT2Model.load(from: Fixtures.tinyGPT2)
        let items = model.namedParameters().filter { $0.0 != "transformer.ln_f.bias" }.map { name, t in
            SafeTensorsWriter.Item(name: name,
                                   shape: name == "transformer.wpe.weight" ? [t.shape[0] / 2, t.shape[1]] : t.shape,
                                   values: name == "transformer.wpe.weight" ? Array(t.storage.prefix(t.count / 2)) : t.storage)
        } + [SafeTensorsWriter.Item(name: "transformer.extra", shape: [1], values: [0])]
        try SafeTensorsWriter.write(items, to: directory.appendingPathComponent("model.safetensors"))
        XCTAssertThrowsError(try GPT2Model.load(from: directory)) { error in
            let text = "\(error)"
            for needle in ["transformer.ln_f.bias", "transformer.extra", "transformer.wpe.weight"] {
                XCTAssertTrue(text.contains(needle), "\(needle) not in: \(text)")
            }
        }
        try Data(#"{"model_type": "gpt2", "n_embd": 30, "n_head": 4}"#.utf8).write(to: directory.appendingPathComponent("config.json"))
        XCTAssertThrowsError(try GPT2Config.load(from: directory.appendingPathComponent("config.json"))) { error in
            XCTAssertTrue("\(error)".contains("n_head"), "\(error)")
        }
    }

    func testGradientsReachInputEmbeddingsThroughTheFrozenModel() throws {
        let model = try GPT2Model.load(from: Fixtures.tinyGPT2)
        XCTAssertTrue(model.namedParameters().allSatisfy { !$0.1.requiresGrad })
        var rng = RNG(seed: 3)
        let x = Tensor.randn([1, 3, model.config.hiddenSize], std: 0.5, rng: &rng, requiresGrad: true)
        // Float32 rounding through the whole model, amplified ≈ 1.8/h by the stencil, sets the tolerance.
        assertGradientsMatch([("inputs_embeds", x)], step: 5e-2, rtol: 1e-2, atol: 1e-4) {
            model.logits(model(x)).sliced(axis: 1, range: 0 ..< 8)
        }
        XCTAssertTrue(model.namedParameters().allSatisfy { $0.1.grad == nil }, "frozen weights got gradients")
    }
}

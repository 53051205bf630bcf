import Foundation
import PEFTLM
import PEFTTensor
import XCTest

/// Pretraining from scratch: the loss falls, the output directory is a loadable GPT-2 model, and a run stopped at
/// a checkpoint and started again ends bit for bit like one never interrupted.
final class CausalLMPretrainingTests: XCTestCase {
    static let corpus = (0 ..< 40).map { "<M> the plot was \(["dull", "nice", "okay"][$0 % 3]) </M> The sentiment is \($0 % 3)" }

    static func settings(steps: Int) -> CausalLMPretraining.Settings {
        var s = CausalLMPretraining.Settings()
        s.hiddenSize = 16
        s.layers = 1
        s.heads = 2
        s.positions = 64
        s.batchSize = 4
        s.steps = steps
        s.checkpointEvery = 5
        s.lr = 1e-2
        return s
    }

    func testResumedRunEqualsUninterruptedAndWritesALoadableModel() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("pretrain-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let whole = root.appendingPathComponent("whole"), split = root.appendingPathComponent("split")
        let losses = try CausalLMPretraining(corpus: Self.corpus, settings: Self.settings(steps: 30), directory: whole).run()
        XCTAssertLessThan(losses.suffix(5).reduce(0, +) / 5, losses.prefix(5).reduce(0, +) / 5 - 0.5, "the loss falls")

        // Interrupted at step 13 (after its checkpoint), then the same job again on the same directory.
        let job = try CausalLMPretraining(corpus: Self.corpus, settings: Self.settings(steps: 30), directory: split)
        XCTAssertEqual(try job.run(stoppingAt: 13).count, 13)
        let resumed = try CausalLMPretraining(corpus: Self.corpus, settings: Self.settings(steps: 30), directory: split).run()
        XCTAssertEqual(resumed.count, 30)

        let a = try CausalLM.load(from: whole), b = try CausalLM.load(from: split)
        XCTAssertEqual(a.model.config.vocabSize, 257)
        for ((name, x), (_, y)) in zip(a.model.namedParameters(), b.model.namedParameters()) {
            XCTAssertEqual(x.storage, y.storage, name)
        }
        XCTAssertEqual(a.tokenizer.encode("café"), Array("café".utf8).map(Int.init), "byte-level ids")
        XCTAssertThrowsError(try CausalLMPretraining(corpus: ["other"], settings: Self.settings(steps: 30), directory: whole).run())
    }
}

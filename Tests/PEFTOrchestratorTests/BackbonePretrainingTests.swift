import Foundation
import PEFTCLIP
import PEFTMethods
import PEFTStore
import PEFTTestSupport
import XCTest
@testable import PEFTOrchestrator

/// `peftlab backbone pretrain` as a library: a short pretraining on a few hundred pairs learns (loss down, in-batch
/// R@1 above chance), writes a Hugging Face backbone with its learnt temperature, is skipped when done, and specs
/// naming `peftlab:<recipe>` fail at queue time until it exists.
final class BackbonePretrainingTests: XCTestCase {
    /// Width 32, one layer, 32 px, 400 pairs (320 train, in batches of 32): a second or two of training.
    static let recipe = PretrainingRecipe(name: "micro", width: 32, layers: 1, heads: 2, imageSize: 32, patchSize: 8,
                                          projectionDim: 32, corpusExamples: 400, epochs: 6, batchSize: 32, lr: 3e-3,
                                          warmupSteps: 3, weightDecay: 0.1, seed: 1)

    private var dir: URL!

    override func setUp() {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("pretrain-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        // A PostgreSQL store has no directory for its backbones: keep them in the test's own.
        setenv("PEFTLAB_BACKBONES", dir.appendingPathComponent("backbones").path, 1)
    }

    override func tearDown() {
        unsetenv("PEFTLAB_BACKBONES")
        try? FileManager.default.removeItem(at: dir)
    }

    private func pretraining(_ store: Store) -> BackbonePretraining {
        var pretraining = BackbonePretraining(store: store, recipe: Self.recipe, threads: 1)
        pretraining.weatherExamples = 100
        return pretraining
    }

    func testShortPretrainingLearnsAndWritesAHuggingFaceBackboneOnce() throws {
        let store = try Store(path: TestDatabase.locator(dir.appendingPathComponent("p.db").path))
        // Before it exists, a spec naming it is refused at queue time with the command that makes it.
        let spec = try ExperimentSpec.parse(yaml: """
            name: probe
            dataset: captions-micro-v2
            backbone: peftlab:micro
            task: retrieval
            method: {name: lora}
            """, file: "probe.yaml")
        XCTAssertThrowsError(try ExperimentQueue(store: store).queue([spec])) { error in
            XCTAssertTrue("\(error)".contains("probe.yaml:3: key 'backbone': backbone 'peftlab:micro' is not made yet"), "\(error)")
            XCTAssertTrue("\(error)".contains("peftlab backbone pretrain --config micro"), "\(error)")
        }

        let outcome = try pretraining(store).run()
        XCTAssertTrue(outcome.trained)
        let runID = try XCTUnwrap(outcome.runID)
        let (losses, batchR1, method) = try store.read { tx in
            let metrics = try MetricRow.all(runID: runID, in: tx)
            let lastTest = metrics.filter { $0.split == "test" }.map(\.step).max()
            return (metrics.filter { $0.split == "train" && $0.name == "loss" }.sorted { $0.step < $1.step }.map(\.value),
                    metrics.filter { $0.split == "test" && $0.step == lastTest && ["batch_i2t_r1", "batch_t2i_r1"].contains($0.name) }
                        .map(\.value),
                    try RunRecord.fetch(id: runID, in: tx)?.method)
        }
        XCTAssertEqual(method, "clip-pretrain")
        XCTAssertEqual(losses.count, 60, "10 steps × 6 epochs, each recorded once")
        let first = losses.prefix(5).reduce(0, +) / 5, last = losses.suffix(5).reduce(0, +) / 5
        XCTAssertLessThan(last, first - 0.3, "train loss \(first) → \(last)")
        // 60 test pairs in blocks of 32 and 28: chance R@1 ≈ 3.4 %.
        XCTAssertEqual(batchR1.count, 2)
        XCTAssertTrue(batchR1.allSatisfy { $0 > 0.1 }, "in-batch R@1 \(batchR1) vs chance ≈ 0.034")
        XCTAssertNotNil(outcome.metrics["zeroshot_weather_accuracy"])
        let selected = try store.read { try MetricRow.selected(runID: runID, selection: "best-val", split: "test", in: $0) }
        XCTAssertEqual(outcome.metrics["zeroshot_weather_accuracy"], selected["zeroshot_weather_accuracy"],
                       "the zero-shot figures are stored at the exported (best-validation) step")
        XCTAssertNotNil(outcome.metrics["zeroshot_mood_accuracy"])
        XCTAssertNotNil(outcome.metrics["zeroshot_mood_prompt_accuracy"])
        XCTAssertEqual(outcome.metrics["i2t_r1"], selected["i2t_r1"])

        // The Hugging Face layout, loadable, with the learnt temperature; the token embedding kept its initialisation.
        let directory = BackboneReference.pretrained("micro").directory(storePath: store.path)
        XCTAssertEqual(outcome.directory, directory)
        let saved = try CLIPBackbone.load(from: directory)
        let initial = try CLIPBackbone.load(from: BackboneReference.pretrainedRoot(storePath: store.path)
            .appendingPathComponent("init-clip-micro"))
        XCTAssertNotEqual(saved.model.logitScale.scalar, initial.model.logitScale.scalar, "logit_scale is the learnt one")
        let key = CLIPPretraining.tokenEmbeddingKey
        let weights = Dictionary(uniqueKeysWithValues: saved.model.baseParameters()), start = Dictionary(uniqueKeysWithValues: initial.model.baseParameters())
        XCTAssertEqual(weights[key]?.storage, start[key]?.storage)
        let layer = "vision_model.encoder.layers.0.self_attn.q_proj.weight"
        XCTAssertNotEqual(weights[layer]?.storage, start[layer]?.storage, "the towers trained")
        XCTAssertEqual(BackbonePretraining.record(in: directory)?.hash, Self.recipe.hash)

        // Done once: a second call trains nothing and leaves the files alone; the spec now queues.
        let bytes = try Data(contentsOf: directory.appendingPathComponent("model.safetensors"))
        let again = try pretraining(store).run()
        XCTAssertFalse(again.trained)
        XCTAssertEqual(again.metrics, outcome.metrics)
        XCTAssertEqual(try Data(contentsOf: directory.appendingPathComponent("model.safetensors")), bytes)
        XCTAssertEqual(try ExperimentQueue(store: store).queue([spec]).first?.new, 1)

        // A half-written directory (a kill before writes were atomic) is not taken as done: pretrained again (the run
        // is already finished, so only the export), to the same bytes.
        try FileManager.default.removeItem(at: directory.appendingPathComponent("vocab.json"))
        let redone = try pretraining(store).run()
        XCTAssertTrue(redone.trained)
        XCTAssertEqual(try Data(contentsOf: directory.appendingPathComponent("model.safetensors")), bytes)
    }

    func testAnOutputDirectoryHoldingOtherFilesIsRefusedUntouched() throws {
        let store = try Store(path: TestDatabase.locator(dir.appendingPathComponent("p.db").path))
        let mine = dir.appendingPathComponent("models")
        try FileManager.default.createDirectory(at: mine, withIntermediateDirectories: true)
        try Data("keep me".utf8).write(to: mine.appendingPathComponent("notes.txt"))
        XCTAssertThrowsError(try BackbonePretraining(store: store, recipe: Self.recipe, output: mine, threads: 1).run()) { error in
            XCTAssertTrue("\(error)".contains("holds 'notes.txt', which a backbone export does not write"), "\(error)")
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: mine.path), ["notes.txt"])
    }

    func testRecipeOverridesChangeTheFieldsAndTheHash() throws {
        let changed = try PretrainingRecipe.tiny.overriding(["epochs=3", "lr=0.003", "imageSize=48"])
        var expected = PretrainingRecipe.tiny
        expected.epochs = 3
        expected.lr = 0.003
        expected.imageSize = 48
        XCTAssertEqual(changed, expected)
        XCTAssertNotEqual(changed.hash, PretrainingRecipe.tiny.hash)
        XCTAssertEqual(try PretrainingRecipe.tiny.overriding([]).hash, PretrainingRecipe.tiny.hash)
        var newerCorpus = PretrainingRecipe.tiny
        newerCorpus.corpusVersion += 1
        XCTAssertNotEqual(newerCorpus.hash, PretrainingRecipe.tiny.hash, "a changed corpus must be a new backbone")
        XCTAssertNotEqual(newerCorpus.corpusDataset, PretrainingRecipe.tiny.corpusDataset)
        XCTAssertThrowsError(try PretrainingRecipe.tiny.overriding(["depth=3"])) { error in
            XCTAssertTrue("\(error)".contains("--set 'depth=3'"), "\(error)")
        }
        XCTAssertThrowsError(try PretrainingRecipe.tiny.overriding(["epochs=many"]))
    }
}

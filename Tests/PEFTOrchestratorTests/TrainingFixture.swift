import Foundation
import PEFTCLIP
import PEFTData
import PEFTStore
import PEFTTestSupport
@testable import PEFTOrchestrator

/// A database with a small built-in dataset (sarcasm by default: images + captions; or sentiment: faces, utterances,
/// audio frames, scores) and a tiny random CLIP on disk: what the training-core tests run real PEFT methods on, in
/// seconds.
final class TrainingFixture: @unchecked Sendable {
    let directory: URL
    let store: Store
    /// The built-in dataset ingested under its own name.
    let dataset: String
    var backbone: String { directory.appendingPathComponent("backbone").path }

    init(examples: Int = 48, dataset: String = "sarcasm") throws {
        self.dataset = dataset
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("training-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        store = try Store(path: TestDatabase.locator(directory.appendingPathComponent("t.db").path))
        let made = try BuiltinDatasets.make(dataset, into: directory.appendingPathComponent("data"), seed: 3, examples: examples)
        var options = IngestOptions()
        options.mapping = made.mapping
        _ = try Ingestor(store: store, tokenizer: try CLIPTokenizer.bundled()).ingest(dataset: dataset, manifest: made.manifest,
                                                                                   options: options)
        try CLIPBackboneFactory.makeRandom(config: .tiny(width: 32, layers: 2, heads: 4, imageSize: 32, patchSize: 8,
                                                         projectionDim: 16), seed: 0)
            .save(to: URL(fileURLWithPath: backbone))
    }

    deinit { try? FileManager.default.removeItem(at: directory) }

    /// The runs of `yaml` (with `backbone:` and `dataset:` filled in).
    func plans(_ yaml: String) throws -> [RunPlan] {
        try ExperimentSpec.parse(yaml: "dataset: \(dataset)\nbackbone: \(backbone)\n" + yaml, file: "test.yaml").expand()
    }

    func trainer(_ plan: RunPlan) throws -> Trainer {
        try Trainer(config: RunConfig(plan.config), context: TrainingContext(store: store, threads: 1))
    }

    /// Trains `plan` to the end and returns the trainer (parameters as trained) and its test metrics.
    func train(_ plan: RunPlan) throws -> (Trainer, [String: Double]) {
        let trainer = try self.trainer(plan)
        for _ in 0 ..< trainer.totalSteps { _ = try trainer.trainStep() }
        return (trainer, try trainer.evaluate(split: "test"))
    }
}

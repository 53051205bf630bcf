import Foundation
import PEFTCLIP
import PEFTData
import PEFTStore

/// The main job end to end on data and a backbone PEFTLab makes itself: built-in datasets written as real
/// JPEG/PNG files and ingested like user data, PEFTLab's own pretrained CLIP (`peftlab:tiny`, pretrained here
/// once per database by `BackbonePretraining`), CLIP features cached, experiment specs queued and trained on worker
/// threads. Every stage is idempotent, so a second run (or one after an interruption) only does what is missing.
public struct QuickstartPipeline {
    public var directory: URL
    public var threads: Int
    /// Called with a one-line description of each stage as it starts.
    public var log: (String) -> Void = { _ in }
    /// Progress within a stage: (stage, done, total).
    public var progress: (String, Int, Int) -> Void = { _, _, _ in }
    /// Passed to the worker so the caller can show per-run progress.
    public var onRunProgress: @Sendable (RunProgress) -> Void = { _ in }

    /// The pretrained backbone every spec names (`peftlab:<recipe>`): tiny by default, micro in smoke tests.
    public var recipe: PretrainingRecipe

    public init(directory: URL, threads: Int, recipe: PretrainingRecipe = .tiny) {
        self.directory = directory
        self.threads = threads
        self.recipe = recipe
    }

    public var databasePath: String { directory.appendingPathComponent("peftlab.db").path }
    /// How the specs name the backbone.
    public var backboneReference: BackboneReference { .pretrained(recipe.name) }
    public var backboneDirectory: URL { backboneReference.directory(storePath: databasePath) }
    public var experimentsDirectory: URL { directory.appendingPathComponent("experiments") }

    /// Runs every stage and returns the database holding the results.
    public func run() throws -> Store {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let store = try Store(path: databasePath)

        for name in BuiltinDatasets.names {
            let made = try BuiltinDatasets.make(name, into: directory.appendingPathComponent("data/\(name)"), seed: 0)
            var options = IngestOptions()
            options.mapping = made.mapping
            let summary = try Ingestor(store: store, tokenizer: try CLIPTokenizer.bundled())
                .ingest(dataset: name, manifest: made.manifest, options: options) { p in
                    progress("ingest \(name)", p.done, p.total)
                }
            log(summary.description)
        }

        try prepareBackbone(store: store)

        let features = try CLIPFeatures(store: store, backboneDirectory: backboneDirectory)
        for name in ["sarcasm"] {
            let computed = try features.ensure(dataset: name) { done, total in progress("features \(name)", done, total) }
            log("features \(name): \(computed) CLIP embeddings computed (others cached) for backbone \(features.backboneHash.prefix(12))")
        }

        try FileManager.default.createDirectory(at: experimentsDirectory, withIntermediateDirectories: true)
        var specs: [ExperimentSpec] = []
        for (file, yaml) in Self.specs(backbone: backboneReference.text) {
            let url = experimentsDirectory.appendingPathComponent(file)
            try yaml.write(to: url, atomically: true, encoding: .utf8)
            specs.append(try ExperimentSpec.load(path: url.path))
        }
        for outcome in try ExperimentQueue(store: store).queue(specs) {
            log("queued \(outcome.experiment): \(outcome.new) new, \(outcome.alreadyQueued) already queued")
        }

        var options = Worker.Options()
        options.threads = threads
        options.experiment = nil
        let worker = Worker(store: store, options: options)
        worker.onProgress = onRunProgress
        let summary = worker.run()
        log("worker: \(summary.succeeded) succeeded, \(summary.failed) failed")
        return store
    }

    /// Makes sure `backboneDirectory` holds the recipe's pretrained backbone, pretraining it (minutes for tiny)
    /// when it is missing, incomplete or from another recipe; see `BackbonePretraining`.
    /// - Throws: what `BackbonePretraining.run` throws.
    public func prepareBackbone(store: Store) throws {
        var pretraining = BackbonePretraining(store: store, recipe: recipe, threads: threads)
        pretraining.log = log
        pretraining.onRunProgress = onRunProgress
        let outcome = try pretraining.run()
        let figures = ["i2t_r1", "t2i_r1", "zeroshot_weather_accuracy", "zeroshot_mood_accuracy", "zeroshot_mood_prompt_accuracy"].compactMap { name in
            outcome.metrics[name].map { "\(name) \(String(format: "%.3f", $0))" }
        }
        log("backbone: \(backboneReference.text) = \(outcome.directory.path) (\(figures.joined(separator: ", ")))")
    }

    /// The experiment the quickstart trains and reports.
    public static let experiment = "quickstart"

    /// The quickstart's experiment spec (file name, YAML), written to `experiments/` in the working directory; the
    /// repository's experiments/quickstart.yaml is the same text (a test keeps them equal).
    static func specs(backbone: String) -> [(String, String)] {
        [("quickstart.yaml", """
            # The quickstart's grid: one method from each main PEFT family on the built-in sarcasm task (image + caption
            # → sarcastic or not; the label is the incongruity of caption mood and scene weather), 3 seeds, over
            # PEFTLab's own pretrained CLIP. The linear probe on frozen embeddings is the baseline row; LoRA and
            # Houlsby adapters sit in the upper layers, AdS-CLIP puts adapters in the upper layers of both towers with
            # text → visual state sharing, and CoOp learns the text prompt. The lower layers are frozen and read from
            # the feature cache. `peftlab report --experiment quickstart --baseline method.name=linear-probe` prints
            # its table.
            name: \(experiment)
            dataset: sarcasm
            backbone: \(backbone)
            task: classification
            target_metric: f1
            method: {name: linear-probe}
            head: {fusion: concat_product}
            train: {epochs: 10, batch_size: 32, lr: 3e-2, weight_decay: 0.0, checkpoint_every: 100}
            include:
              - {method.name: lora, method.layers: upper, train.lr: 3e-3, train.epochs: 5}
              - {method.name: houlsby, method.layers: upper, train.lr: 3e-3, train.epochs: 5}
              - {method.name: ads-clip, method.layers: upper, train.lr: 3e-3, train.epochs: 5}
              - {method.name: coop, train.lr: 2e-3, train.epochs: 5}
            seeds: [1, 2, 3]
            """)]
    }
}

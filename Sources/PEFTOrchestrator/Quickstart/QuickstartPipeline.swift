import Foundation
import PEFTCLIP
import PEFTData
import PEFTStore

/// The main job end to end on data and a backbone PEFTLab makes itself: built-in datasets written as real
/// JPEG/PNG files and ingested like user data, a small random-init CLIP saved in the Hugging Face layout, CLIP
/// features cached, experiment specs queued and trained on worker threads. Every stage is idempotent, so a
/// second run (or one after an interruption) only does what is missing.
public struct QuickstartPipeline {
    public var directory: URL
    public var threads: Int
    /// Called with a one-line description of each stage as it starts.
    public var log: (String) -> Void = { _ in }
    /// Progress within a stage: (stage, done, total).
    public var progress: (String, Int, Int) -> Void = { _, _, _ in }
    /// Passed to the worker so the caller can show per-run progress.
    public var onRunProgress: @Sendable (RunProgress) -> Void = { _ in }

    public init(directory: URL, threads: Int) {
        self.directory = directory
        self.threads = threads
    }

    public var databasePath: String { directory.appendingPathComponent("peftlab.db").path }
    public var backboneDirectory: URL { directory.appendingPathComponent("backbone") }
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

        log(try prepareBackbone())

        let features = try CLIPFeatures(store: store, backboneDirectory: backboneDirectory)
        for name in ["sarcasm"] {
            let computed = try features.ensure(dataset: name) { done, total in progress("features \(name)", done, total) }
            log("features \(name): \(computed) CLIP embeddings computed (others cached) for backbone \(features.backboneHash.prefix(12))")
        }

        try FileManager.default.createDirectory(at: experimentsDirectory, withIntermediateDirectories: true)
        var specs: [ExperimentSpec] = []
        for (file, yaml) in Self.specs(backbone: backboneDirectory.path) {
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

    /// Makes sure `backboneDirectory` holds the quickstart's complete backbone, generating it when it is missing
    /// or incomplete; the files are written into a staging directory renamed into place (`AtomicDirectory`), so a
    /// run killed while writing leaves nothing a later run mistakes for a backbone. Returns the log line.
    /// - Throws: `CheckpointError` or `FileError` when it cannot be written.
    public func prepareBackbone() throws -> String {
        if Self.isCompleteBackbone(backboneDirectory) { return "backbone: \(backboneDirectory.path) (already there)" }
        let backbone = try CLIPBackboneFactory.makeRandom(config: .tiny(width: 64, layers: 2, heads: 4, imageSize: 32,
                                                                        patchSize: 8, projectionDim: 32), seed: 0)
        let replacing = FileManager.default.fileExists(atPath: backboneDirectory.path)
        try AtomicDirectory.write(to: backboneDirectory, existing: .replace) { staging in try backbone.save(to: staging) }
        return "backbone: generated a random-init CLIP (width 64, 2 layers per tower, 32 px images) in "
            + backboneDirectory.path + (replacing ? " (replacing an incomplete one)" : "")
    }

    /// True when `directory` holds every file of a backbone and they load: what "already there" means, so a
    /// directory left half-written by a killed run (before writes were atomic) is generated again.
    static func isCompleteBackbone(_ directory: URL) -> Bool {
        AtomicDirectory.isComplete(directory, files: CLIPBackbone.fileNames)
            && (try? CLIPBackbone.load(from: directory)) != nil
    }

    /// The quickstart's experiment specs (file name, YAML), written to `experiments/` in the working directory.
    static func specs(backbone: String) -> [(String, String)] {
        [("sarcasm-clip-probe.yaml", """
            # Linear probes on frozen CLIP embeddings of the built-in sarcasm dataset. Its label is the *incongruity*
            # of caption and scene sentiment: a linear probe on frozen features should stay near chance whichever
            # embedding it sees (image, text, both, or their product); cross-modal PEFT (AdS-CLIP) is what it is for.
            name: sarcasm-clip-probe
            dataset: sarcasm
            backbone: \(backbone)
            task: classification
            target_metric: f1
            method: {name: linear-probe}
            train: {epochs: 30, batch_size: 32, lr: 3e-2, weight_decay: 0.0, checkpoint_every: 100}
            grid:
              head.fusion: [image, text, concat, product]
            seeds: [1, 2, 3]
            """),
         ("sentiment-audio-probe.yaml", """
            # Linear regression on the synthetic "audio" frames of the built-in sentiment dataset (MSE-Adapter's
            # setting): the score adds text, face and audio parts, so audio alone explains only part of it.
            name: sentiment-audio-probe
            dataset: sentiment
            task: regression
            method: {name: linear-probe, feature: audio}
            train: {epochs: 20, batch_size: 16, warmup_steps: 10, checkpoint_every: 50}
            grid:
              train.lr: [3e-3, 1e-2, 3e-2]
            seeds: [1, 2, 3]
            """)]
    }
}

import Foundation
import PEFTCLIP
import PEFTData
import PEFTMethods
import PEFTStore
import PEFTTensor

/// Makes PEFTLab's own pretrained CLIP (`peftlab backbone pretrain`): the caption corpus generated and ingested, a
/// random-init CLIP of the recipe's shape saved beside the database, the pretraining queued as an ordinary run
/// (method `clip-pretrain`, task `retrieval`) and trained by a worker (so it checkpoints, resumes bit-exactly and
/// records its loss and retrieval metrics), then the result written in the Hugging Face layout with the learnt
/// `logit_scale`, atomically, and its zero-shot figures stored as the run's test metrics. Every stage is
/// idempotent: a directory already holding the recipe's backbone (same hash in `pretraining.json`) is left alone.
public struct BackbonePretraining {
    public var store: Store
    public var recipe: PretrainingRecipe
    /// Where the backbone goes; by default where `peftlab:<recipe>` resolves.
    public var output: URL
    /// Cores the run may use.
    public var threads: Int
    /// One line per stage.
    public var log: (String) -> Void = { _ in }
    /// Passed to the worker for per-step progress.
    public var onRunProgress: @Sendable (RunProgress) -> Void = { _ in }
    /// The worker's lease length: how soon a killed pretraining's run can be claimed again.
    public var leaseSeconds: Double = 30
    /// Sleep after each step (fault-injection tests only).
    public var stepDelaySeconds: Double = 0
    /// Sarcasm scenes scored by the zero-shot weather figure (nil: all of the quickstart's; fewer in tests).
    public var weatherExamples: Int?

    /// The file in the backbone directory recording the recipe, its hash, the run and the zero-shot figures.
    public static let recordFile = "pretraining.json"
    /// Prompts of the zero-shot weather figure on the sarcasm scenes, in label order (sunny = positive scene).
    public static let weatherPrompts = ["a sunny scene", "a stormy scene"]

    public init(store: Store, recipe: PretrainingRecipe, output: URL? = nil, threads: Int) {
        self.store = store
        self.recipe = recipe
        self.output = output ?? BackboneReference.pretrained(recipe.name).directory(storePath: store.path)
        self.threads = threads
    }

    /// What `run` did.
    public struct Outcome: Sendable {
        public var directory: URL
        /// False when the directory already held this recipe's backbone.
        public var trained: Bool
        public var runID: Int64?
        /// Zero-shot figures (test split of the corpus, and weather on the sarcasm scenes).
        public var metrics: [String: Double]
    }

    /// Runs every stage that is still missing.
    /// - Throws: `PermanentRunError` when the pretraining run fails; store, file and checkpoint errors.
    public func run() throws -> Outcome {
        if let record = Self.record(in: output), record.hash == recipe.hash, Self.loads(output) {
            log("backbone: \(output.path) already holds recipe '\(recipe.name)' (\(recipe.hash.prefix(12))); nothing to do")
            return Outcome(directory: output, trained: false, runID: record.runID, metrics: record.metrics)
        }
        try checkReplaceable(output)
        let initial = try prepareInitialization()
        try prepareCorpus(pixels: CLIPPreprocessor(config: try CLIPPreprocessConfig.read(
            initial.appendingPathComponent("preprocessor_config.json"))))
        let spec = try ExperimentSpec.parse(yaml: recipe.spec(initDirectory: initial), file: "<recipe \(recipe.name)>")
        for outcome in try ExperimentQueue(store: store).queue([spec]) {
            log("queued \(outcome.experiment): \(outcome.new) new, \(outcome.alreadyQueued) already queued")
        }
        var options = Worker.Options()
        options.threads = 1
        options.cores = threads
        options.experiment = recipe.experimentName
        options.leaseSeconds = leaseSeconds
        options.stepDelaySeconds = stepDelaySeconds
        let worker = Worker(store: store, options: options)
        worker.onProgress = onRunProgress
        let summary = worker.run()
        let run = try store.read { tx in try RunRecord.latest(experiment: recipe.experimentName, in: tx) }
        let runID = run?.id
        guard let runID, run?.state == .succeeded else {
            throw PermanentRunError("pretraining run \(runID.map(String.init) ?? "?") of '\(recipe.experimentName)' is "
                                    + "\(run?.state.rawValue ?? "missing")\(run?.error.map { ": \($0)" } ?? "") (worker: \(summary.succeeded) succeeded, "
                                    + "\(summary.failed) failed); see `peftlab show \(runID.map(String.init) ?? "")`")
        }
        let backbone = try trainedBackbone(runID: runID)
        var metrics = try testMetrics(runID: runID)
        let scenes = try sceneFigures(backbone)
        metrics.merge(scenes) { $1 }
        let step = try store.read { tx in try RunRecord.selectedStep(id: runID, selection: "best-val", in: tx) } ?? 0
        try store.write { tx in
            for (name, value) in scenes.sorted(by: { $0.key < $1.key }) {
                try MetricRow.delete(runID: runID, split: "test", name: name, in: tx)
                try MetricRow.insert([MetricRow(runID: runID, step: step, split: "test", name: name, value: value)], in: tx)
            }
        }
        let record = Record(recipe: recipe, hash: recipe.hash, runID: runID, metrics: metrics)
        try AtomicDirectory.write(to: output, existing: .replace) { staging in
            try backbone.save(to: staging)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
            try encoder.encode(record).write(to: staging.appendingPathComponent(Self.recordFile))
        }
        log("backbone: wrote \(output.path) (run \(runID))")
        return Outcome(directory: output, trained: true, runID: runID, metrics: metrics)
    }

    /// What `pretraining.json` holds.
    public struct Record: Codable, Sendable {
        public var recipe: PretrainingRecipe
        public var hash: String
        public var runID: Int64
        public var metrics: [String: Double]
    }

    /// The record of the backbone at `directory`, if it has one.
    public static func record(in directory: URL) -> Record? {
        guard let data = try? Data(contentsOf: directory.appendingPathComponent(recordFile)) else { return nil }
        return try? JSONDecoder().decode(Record.self, from: data)
    }

    /// Throws unless `directory` is absent or holds only files a backbone export writes (so replacing it loses nothing).
    private func checkReplaceable(_ directory: URL) throws {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        let ours = Set(CLIPBackbone.fileNames + [Self.recordFile, "tokenizer_config.json"])
        if let foreign = entries.sorted().first(where: { !ours.contains($0) }) {
            throw PermanentRunError("\(directory.path) holds '\(foreign)', which a backbone export does not write; "
                                    + "give an empty or new --out directory")
        }
    }

    static func loads(_ directory: URL) -> Bool {
        AtomicDirectory.isComplete(directory, files: CLIPBackbone.fileNames) && (try? CLIPBackbone.load(from: directory)) != nil
    }

    /// Generates and ingests the corpus unless the database already holds it, caching every image's crop for
    /// `pixels` in the same pass (so training never decodes, nor writes the cache one image at a time).
    private func prepareCorpus(pixels: CLIPPreprocessor) throws {
        let name = recipe.corpusDataset
        let count: Int
        do {
            count = try DatasetReader(store: store).examples(dataset: name).count
        } catch StoreError.notFound {
            count = 0
        }
        if count == recipe.corpusExamples { return log("corpus: \(name) already ingested (\(count) pairs)") }
        let directory = BackboneReference.pretrainedRoot(storePath: store.path).appendingPathComponent("corpus-\(recipe.name)")
        let made = try BuiltinDatasets.make(BuiltinDatasets.corpusName, into: directory, seed: UInt64(recipe.seed),
                                            examples: recipe.corpusExamples)
        var options = IngestOptions()
        options.mapping = made.mapping
        options.pixelCache = pixels
        let summary = try Ingestor(store: store, tokenizer: try CLIPTokenizer.bundled())
            .ingest(dataset: name, manifest: made.manifest, options: options)
        log("corpus: " + summary.description)
        try? FileManager.default.removeItem(at: directory)
    }

    /// The random-init backbone the run starts from, beside the database.
    private func prepareInitialization() throws -> URL {
        let directory = BackboneReference.pretrainedRoot(storePath: store.path).appendingPathComponent("init-clip-\(recipe.name)")
        if Self.loads(directory) { return directory }
        let backbone = try CLIPBackboneFactory.makeRandom(config: recipe.clipConfig, seed: UInt64(recipe.seed))
        try AtomicDirectory.write(to: directory, existing: .replace) { staging in try backbone.save(to: staging) }
        return directory
    }

    /// The run's best checkpoint as a whole backbone, with the retrieval head's learnt temperature as `logit_scale`.
    private func trainedBackbone(runID: Int64) throws -> CLIPBackbone {
        guard case .backbone(let backbone) = try RunExport.artifact(runID: runID, store: store, selection: .best) else {
            throw PermanentRunError("run \(runID) did not export a whole backbone")
        }
        let checkpoint = try store.read { tx in
            try CheckpointRecord.best(runID: runID, in: tx) ?? CheckpointRecord.latest(runID: runID, in: tx)
        }
        if let checkpoint, let scale = try CheckpointCodec.state(from: checkpoint).tensors.first(where: { $0.name == "head.logit_scale" }) {
            backbone.model.logitScale.storage = scale.values
        }
        return backbone
    }

    /// The run's test metrics (the corpus's held-out pairs) at its best-validation step, the checkpoint exported,
    /// by name (a finishing run evaluates the test split at its last step too).
    private func testMetrics(runID: Int64) throws -> [String: Double] {
        try store.read { tx in try MetricRow.selected(runID: runID, selection: "best-val", split: "test", in: tx) }
    }

    /// Zero-shot figures on the built-in sarcasm set (seed 0, the quickstart's), whose images and caption templates
    /// the corpus never shows:
    /// - `zeroshot_weather_accuracy`: each image is assigned the closer of "a sunny scene" / "a stormy scene";
    /// - `zeroshot_mood_accuracy`: each caption ("what a lovely day for a picnic") is assigned the weather whose
    ///   images it is closer to on average (cosine to the mean sunny vs the mean stormy image embedding), and is
    ///   right when that weather matches its sentiment (positive = sunny): whether mood words reach the scenes;
    /// - `zeroshot_mood_prompt_accuracy`: each image is assigned the closer of the mean "a {word} day" embedding over
    ///   the sarcasm set's positive words and over its negative ones, right when that matches its weather.
    private func sceneFigures(_ backbone: CLIPBackbone) throws -> [String: Double] {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("peftlab-weather-\(ProcessInfo.processInfo.processIdentifier)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let made = try BuiltinDatasets.make("sarcasm", into: directory, seed: 0, examples: weatherExamples)
        let preprocessor = CLIPPreprocessor(config: CLIPPreprocessConfig(side: backbone.model.config.vision.imageSize))
        var images: [(input: String, pixels: Tensor)] = []
        var sunny: [Bool] = []
        var captions: [String] = []
        var positive: [Bool] = []
        for line in try String(contentsOf: made.manifest, encoding: .utf8).split(separator: "\n") {
            guard let row = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  let path = row["image"] as? String, let scene = row["scene_sentiment"] as? String,
                  let text = row["text"] as? String, let sentiment = row["caption_sentiment"] as? String else { continue }
            let bytes = Array(try Data(contentsOf: directory.appendingPathComponent(path)))
            images.append((path, try preprocessor.preprocess(bytes).tensor))
            sunny.append(scene == "positive")
            captions.append(text)
            positive.append(sentiment == "positive")
        }
        let embedder = CLIPEmbedder(backbone: backbone, batchSize: 128)
        let dot = { (a: [Float], b: [Float]) in zip(a, b).reduce(Float(0)) { $0 + $1.0 * $1.1 } }
        return ComputeThreads.with(threads: threads) {
            let prompts = embedder.embed(texts: Self.weatherPrompts, normalize: true).map(\.embedding)
            let imageEmbeddings = embedder.embed(images: images, normalize: true).map(\.embedding)
            let weatherCorrect = zip(imageEmbeddings, sunny).filter { image, isSunny in
                (dot(prompts[0], image) > dot(prompts[1], image)) == isSunny
            }.count
            // Mean sunny minus mean stormy image embedding: a caption's dot with it is the difference of its mean cosines.
            let width = imageEmbeddings.first?.count ?? 0
            var direction = [Float](repeating: 0, count: width)
            let sunnyCount = Float(max(1, sunny.filter { $0 }.count)), stormyCount = Float(max(1, sunny.filter { !$0 }.count))
            for (image, isSunny) in zip(imageEmbeddings, sunny) {
                for k in 0..<width { direction[k] += isSunny ? image[k] / sunnyCount : -image[k] / stormyCount }
            }
            let moodCorrect = zip(embedder.embed(texts: captions, normalize: true), positive).filter { caption, isPositive in
                (dot(caption.embedding, direction) > 0) == isPositive
            }.count
            let moodPrompt = { (words: [String]) -> [Float] in
                let embeddings = embedder.embed(texts: words.map { "a \($0) day" }, normalize: true).map(\.embedding)
                return (0..<width).map { k in embeddings.reduce(Float(0)) { $0 + $1[k] } / Float(max(1, words.count)) }
            }
            let positivePrompt = moodPrompt(SarcasmDataset.positiveWords), negativePrompt = moodPrompt(SarcasmDataset.negativeWords)
            let moodPromptCorrect = zip(imageEmbeddings, sunny).filter { image, isSunny in
                (dot(positivePrompt, image) > dot(negativePrompt, image)) == isSunny
            }.count
            return ["zeroshot_weather_accuracy": Double(weatherCorrect) / Double(max(1, images.count)),
                    "zeroshot_mood_prompt_accuracy": Double(moodPromptCorrect) / Double(max(1, images.count)),
                    "zeroshot_mood_accuracy": Double(moodCorrect) / Double(max(1, captions.count))]
        }
    }
}

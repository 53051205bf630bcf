import Foundation
import PEFTCLIP
import PEFTData
import PEFTMethods
import PEFTStore
import PEFTTensor

/// How the loop feeds one tower, decided from the method's reach.
enum TowerFeed: Equatable {
    /// Pixels / token ids every step.
    case raw
    /// The cached hidden state entering this layer.
    case cached(layer: Int)
    /// The cached pooled, projected embeddings (frozen tower).
    case embeddings
}

/// One split of a run's dataset: its examples in a fixed order (by id) with their targets, and how to turn a list
/// of positions into a batch: pixels, token ids padded to the batch's longest row, cached states or embeddings.
final class SplitData {
    let name: String
    let examples: [ExampleRecord]
    let targets: Targets
    /// Per example: token ids with start/end tokens, truncated to the tokenizer's length (empty when no text).
    let tokens: [[Int]]
    /// Per example, mean-pooled extra feature (when the run reads one).
    let extra: [[Float]]?
    /// `examples.id` per position (stored with predictions, so reports pair runs example by example).
    let exampleIDs: [Int64]
    /// Per tower, cached embeddings per example (frozen towers).
    var embeddings: [TowerKind: [[Float]]] = [:]
    /// Per example, its dialog retrieval fields (retrieval runs on dialog datasets; nil otherwise).
    var dialog: [DialogRow]?

    var count: Int { extra?.count ?? examples.count }

    init(name: String, examples: [ExampleRecord], targets: Targets, tokens: [[Int]], extra: [[Float]]?,
         exampleIDs: [Int64]? = nil) {
        self.name = name
        self.examples = examples
        self.exampleIDs = exampleIDs ?? examples.map(\.id)
        self.targets = targets
        self.tokens = tokens
        self.extra = extra
    }

    func targets(_ rows: [Int]) -> Targets {
        Targets(labels: targets.labels.isEmpty ? [] : rows.map { targets.labels[$0] },
                scores: targets.scores.isEmpty ? [] : rows.map { targets.scores[$0] })
    }
}

/// The data side of a run: the three splits, the backbone view (when CLIP is used) and the feed of each tower.
final class RunData {
    let splits: [String: SplitData]
    let features: CLIPFeatures?
    let feeds: [TowerKind: TowerFeed]
    let cache: HiddenStateCache?
    /// Unpooled example features an `ExampleReadingMethod` reads, by name (with raw texts in its batches).
    let sequences: [String: SequenceFeatures]
    private var tokenIndex: [Int64: [Int]] = [:]

    var train: SplitData { splits["train"]! }
    /// Whether batches carry `EncoderInput.examples` (texts and sequences).
    let readsExamples: Bool

    /// Loads `dataset`'s splits for a run reading `towers` (fed as `feeds`) or the extra feature `feature`.
    init(store: Store, dataset: String, task: TaskKind, features: CLIPFeatures?, feeds: [TowerKind: TowerFeed],
         feature: String?, cacheDType: FeatureDType?, sequenceFeatures: [String]? = nil) throws {
        self.features = features
        sequences = try Dictionary(uniqueKeysWithValues: (sequenceFeatures ?? []).map {
            ($0, try SequenceFeatures.load(store: store, dataset: dataset, feature: $0))
        })
        readsExamples = sequenceFeatures != nil
        self.feeds = feeds
        cache = features.map { HiddenStateCache(features: $0, dtype: cacheDType ?? .float16) }
        var splits: [String: SplitData] = [:]
        let reader = DatasetReader(store: store)
        for split in ["train", "val", "test"] {
            if let feature {
                let table = try FeatureTable.load(store: store, dataset: dataset, split: split, feature: feature)
                splits[split] = SplitData(name: split, examples: [], targets: Targets(labels: table.labels, scores: table.scores),
                                          tokens: [], extra: table.features, exampleIDs: table.ids)
                continue
            }
            let examples = try reader.examples(dataset: dataset, split: split)
            let tokenizer = features?.backbone.tokenizer
            let tokens = examples.map { example in example.text.map { tokenizer?.encode($0) ?? [] } ?? [] }
            splits[split] = SplitData(name: split, examples: examples,
                                      targets: Targets(labels: examples.map { $0.label ?? -1 }, scores: examples.map { $0.score ?? .nan }),
                                      tokens: tokens, extra: nil)
            if task == .retrieval, let tokenizer {
                splits[split]?.dialog = try DialogRow.rows(examples, split: split, tokenizer: tokenizer)
            }
        }
        self.splits = splits
        for split in splits.values { for (example, ids) in zip(split.examples, split.tokens) { tokenIndex[example.id] = ids } }
        try validate(dataset: dataset, task: task, feature: feature)
    }

    private func validate(dataset: String, task: TaskKind, feature: String?) throws {
        guard train.count > 0 else {
            throw PermanentRunError("dataset '\(dataset)' has no training examples" + (feature.map { " with feature '\($0)'" } ?? ""))
        }
        for split in splits.values {
            switch task {
            case .classification where split.targets.labels.contains(where: { $0 < 0 }):
                throw PermanentRunError("dataset '\(dataset)' has \(split.name) examples without a class label")
            case .regression where split.targets.scores.contains(where: { !$0.isFinite }):
                throw PermanentRunError("dataset '\(dataset)' has \(split.name) examples without a score")
            default: break
            }
            for (tower, _) in feeds {
                if let bad = split.examples.first(where: { tower == .vision ? $0.imageSHA256 == nil : $0.text == nil }) {
                    throw PermanentRunError("example '\(bad.sourceKey)' (\(split.name)) has no \(tower == .vision ? "image" : "text"); "
                                            + "this run reads the \(tower.rawValue) tower")
                }
            }
        }
    }

    /// Token ids of an example (its text encoded by the backbone's tokenizer).
    func tokens(_ example: ExampleRecord) -> [Int] { tokenIndex[example.id] ?? [] }

    /// Fills the caches this run reads: pooled embeddings of frozen towers, hidden states of cached prefixes.
    func prepareCaches(progress: (Int, Int) -> Void = { _, _ in }) throws {
        guard let features, let cache else { return }
        let all = ["train", "val", "test"].compactMap { splits[$0] }
        if feeds.values.contains(.embeddings) {
            let datasetExamples = all.flatMap(\.examples)
            try features.ensure(examples: datasetExamples)
            for split in all {
                for (tower, feed) in feeds where feed == .embeddings {
                    split.embeddings[tower] = try features.vectors(for: split.examples, tower: tower)
                }
            }
        }
        for (tower, feed) in feeds.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
            if case .cached(let layer) = feed {
                try cache.ensure(tower, layer: layer, examples: all.flatMap(\.examples), tokens: tokens)
            }
        }
    }

    /// The encoder input of `rows` (positions in `split`).
    func input(_ split: SplitData, rows: [Int]) throws -> EncoderInput {
        if let extra = split.extra {
            let width = extra.first?.count ?? 0
            return EncoderInput(extra: Tensor(shape: [rows.count, width], storage: rows.flatMap { extra[$0] }))
        }
        let examples = rows.map { split.examples[$0] }
        var input = EncoderInput()
        for (tower, feed) in feeds {
            let value: TowerInput
            switch feed {
            case .embeddings:
                let vectors = rows.map { split.embeddings[tower]![$0] }
                value = .embeddings(Tensor(shape: [rows.count, vectors.first?.count ?? 0], storage: vectors.flatMap { $0 }))
            case .cached(let layer):
                value = try cache!.batch(tower, layer: layer, examples: examples, tokens: tokens)
            case .raw:
                if tower == .vision {
                    value = .pixels(try Self.pixels(examples, features: features!))
                } else {
                    let tokenizer = features!.backbone.tokenizer
                    value = .tokens(TokenBatch(rows: rows.map { split.tokens[$0] }, padding: .longest,
                                               maxLength: tokenizer.maxLength, padTokenId: tokenizer.padTokenId))
                }
            }
            if tower == .vision { input.vision = value } else { input.text = value }
        }
        input.dialog = try dialogInput(split, rows: rows)
        if readsExamples { input.examples = try exampleInputs(examples) }
        return input
    }

    /// Texts and `[B, frames, dims]` sequences of `examples`.
    private func exampleInputs(_ examples: [ExampleRecord]) throws -> ExampleInputs {
        var tensors: [String: Tensor] = [:]
        for (name, table) in sequences {
            let rows = try examples.map { example in
                guard let values = table.values[example.id] else {
                    throw PermanentRunError("example '\(example.sourceKey)' has no feature '\(name)'")
                }
                return values
            }
            tensors[name] = Tensor(shape: [examples.count, table.frames, table.dims], storage: rows.flatMap { $0 })
        }
        return ExampleInputs(texts: examples.map { $0.text ?? "" }, sequences: tensors)
    }

    /// Preprocessed pixels `[B, C, H, W]` of the examples' images (from the stored decoded crops).
    static func pixels(_ examples: [ExampleRecord], features: CLIPFeatures) throws -> Tensor {
        let reader = DatasetReader(store: features.store)
        var storage: [Float] = []
        var shape: [Int] = []
        for example in examples {
            guard let sha = example.imageSHA256 else { throw PermanentRunError("example '\(example.sourceKey)' has no image") }
            let values = try reader.pixelValues(imageSHA256: sha, preprocessor: features.preprocessor)
            shape = values.shape
            storage += values.values
        }
        return Tensor(shape: [examples.count] + shape, storage: storage)
    }
}

import Foundation
import PEFTCLIP
import PEFTData
import PEFTMethods
import PEFTStore
import PEFTTensor

/// The frozen prefix of a tower as cached hidden states: the residual stream entering layer k of each image or
/// text, under (backbone, tower, layer, preprocessing, input) in `feature_cache`, so every run and epoch of a grid
/// whose method leaves layers below k untouched runs layers k…N only.
///
/// Texts are cached at their real length (causal attention: padding never changes the real tokens' states) and
/// padded per batch with zeros that the key-padding mask hides. Entries are computed on demand by the first run
/// that needs them, once per process at a time (a process-wide lock), and written insert-if-absent, so the values
/// a run reads never change under it even if two processes fill the same entries.
struct HiddenStateCache {
    let features: CLIPFeatures
    let dtype: FeatureDType

    /// Serialises fills within the process, so concurrent runs do not compute the same entries twice.
    private static let fillLock = NSLock()

    private var model: CLIPModel { features.backbone.model }

    func key(_ tower: TowerKind, layer: Int, example: ExampleRecord, tokens: [Int]) -> FeatureKey {
        switch tower {
        case .vision:
            return FeatureKey(backboneHash: features.backboneHash, tower: .vision, layer: layer,
                              preprocessHash: features.preprocessor.cacheKey, inputHash: example.imageSHA256 ?? "")
        case .text:
            return FeatureKey(backboneHash: features.backboneHash, tower: .text, layer: layer,
                              preprocessHash: features.textPreprocessHash, inputHash: FeatureKey.textInputHash(tokenIds: tokens))
        }
    }

    /// Computes and stores the states entering `layer` of `tower` for every example not cached yet.
    /// - Returns: how many entries were computed.
    @discardableResult
    func ensure(_ tower: TowerKind, layer: Int, examples: [ExampleRecord], tokens: (ExampleRecord) -> [Int]) throws -> Int {
        try Self.fillLock.withLock {
            var unique: [FeatureKey: ExampleRecord] = [:]
            for example in examples { unique[key(tower, layer: layer, example: example, tokens: tokens(example))] = example }
            let missing = try FeatureCache(store: features.store, dtype: dtype).missing(Array(unique.keys))
                .sorted { $0.inputHash < $1.inputHash }
            for start in stride(from: 0, to: missing.count, by: 32) {
                let chunk = missing[start ..< Swift.min(start + 32, missing.count)].compactMap { unique[$0] }
                let states = try compute(tower, layer: layer, examples: chunk, tokens: tokens)
                try FeatureCache(store: features.store, dtype: dtype).saveIfAbsent(states)
            }
            return missing.count
        }
    }

    private func compute(_ tower: TowerKind, layer: Int, examples: [ExampleRecord], tokens: (ExampleRecord) -> [Int]) throws
        -> [(key: FeatureKey, shape: [Int], values: [Float])]
    {
        try GradMode.noGrad {
            switch tower {
            case .vision:
                let pixels = try RunData.pixels(examples, features: features)
                var state = model.vision.begin(pixels: pixels)
                model.vision.run(&state, until: layer)
                return split(state.hidden, lengths: nil).enumerated().map { i, rows in
                    (key(.vision, layer: layer, example: examples[i], tokens: []), [rows.count / state.width, state.width], rows)
                }
            case .text:
                let ids = examples.map(tokens)
                var state = model.text.begin(TokenBatch(rows: ids, padding: .longest, maxLength: features.backbone.tokenizer.maxLength,
                                                        padTokenId: features.backbone.tokenizer.padTokenId))
                model.text.run(&state, until: layer)
                return split(state.hidden, lengths: ids.map(\.count)).enumerated().map { i, rows in
                    (key(.text, layer: layer, example: examples[i], tokens: ids[i]), [ids[i].count, state.width], rows)
                }
            }
        }
    }

    /// Per batch row, its first `lengths[row]` tokens (all tokens when nil), flattened.
    private func split(_ hidden: Tensor, lengths: [Int]?) -> [[Float]] {
        let (batch, tokens, width) = (hidden.shape[0], hidden.shape[1], hidden.shape[2])
        return (0 ..< batch).map { row in
            let n = lengths?[row] ?? tokens
            return Array(hidden.storage[row * tokens * width ..< (row * tokens + n) * width])
        }
    }

    /// The cached states of a batch as the tower's input (call `ensure` first).
    /// - Throws: `PermanentRunError` when an entry is missing or has the wrong width.
    func batch(_ tower: TowerKind, layer: Int, examples: [ExampleRecord], tokens: (ExampleRecord) -> [Int]) throws -> TowerInput {
        let ids = examples.map(tokens)
        let keys = examples.indices.map { key(tower, layer: layer, example: examples[$0], tokens: ids[$0]) }
        let cached = try FeatureCache(store: features.store, dtype: dtype).load(keys)
        let width = model.config.width(tower)
        let rows = try keys.map { key -> CachedFeature in
            guard let entry = cached[key], entry.shape.count == 2, entry.shape[1] == width else {
                throw PermanentRunError("the feature cache lacks the \(tower.rawValue) state at layer \(layer) for input \(key.inputHash.prefix(12))")
            }
            return entry
        }
        let length = rows.map { $0.shape[0] }.max() ?? 0
        var storage = [Float](repeating: 0, count: rows.count * length * width)
        for (row, entry) in rows.enumerated() {
            storage.replaceSubrange(row * length * width ..< row * length * width + entry.values.count, with: entry.values)
        }
        let hidden = Tensor(shape: [rows.count, length, width], storage: storage)
        switch tower {
        case .vision:
            return .hidden(hidden, layer: layer, poolPositions: [Int](repeating: 0, count: rows.count), attentionMask: nil)
        case .text:
            let padded = TokenBatch(rows: ids, padding: .longest, maxLength: length, padTokenId: features.backbone.tokenizer.padTokenId)
            return .hidden(hidden, layer: layer, poolPositions: model.text.poolPositions(padded.ids),
                           attentionMask: padded.attentionMask)
        }
    }
}

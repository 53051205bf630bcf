import Foundation
import PEFTCLIP
import PEFTData

/// A named recipe for PEFTLab's own pretrained CLIP (`peftlab backbone pretrain --config tiny|small`): the
/// architecture, the caption corpus and the optimisation. Its canonical JSON's SHA-256 (`hash`) identifies the
/// backbone it makes: a backbone directory recording the same hash is not pretrained again.
public struct PretrainingRecipe: Sendable, Equatable, Codable {
    public var name: String
    /// Hidden width of both towers (the MLP is 4×).
    public var width: Int
    /// Encoder layers per tower.
    public var layers: Int
    public var heads: Int
    public var imageSize: Int
    public var patchSize: Int
    public var projectionDim: Int
    /// Rows of the `captions` corpus (the last 1 000 are the held-out test pairs, the 500 before them validation).
    public var corpusExamples: Int
    public var epochs: Int
    public var batchSize: Int
    public var lr: Double
    public var warmupSteps: Int
    public var weightDecay: Double
    /// Seed of the initialisation, the corpus and the data order.
    public var seed: Int
    /// `CaptionCorpus.version` the recipe is pretrained on: part of the hash, so a changed corpus is a new backbone.
    public var corpusVersion: Int = CaptionCorpus.version

    /// Width 128, 4 layers per tower, 64 px images in 8-px patches: a few minutes on 2 cores.
    public static let tiny = PretrainingRecipe(name: "tiny", width: 128, layers: 4, heads: 4, imageSize: 64, patchSize: 8,
                                               projectionDim: 128, corpusExamples: 12_000, epochs: 2, batchSize: 64,
                                               lr: 2e-3, warmupSteps: 20, weightDecay: 0.1, seed: 0)
    /// Width 256, 6 layers per tower, 96 px images in 8-px patches: tens of minutes on 2 cores.
    public static let small = PretrainingRecipe(name: "small", width: 256, layers: 6, heads: 8, imageSize: 96, patchSize: 8,
                                                projectionDim: 256, corpusExamples: 40_000, epochs: 4, batchSize: 128,
                                                lr: 1e-3, warmupSteps: 50, weightDecay: 0.1, seed: 0)
    /// Width 32, 1 layer per tower, 32 px images, 600 pairs: seconds; for smoke tests and trying the pipeline.
    public static let micro = PretrainingRecipe(name: "micro", width: 32, layers: 1, heads: 2, imageSize: 32, patchSize: 8,
                                                projectionDim: 32, corpusExamples: 600, epochs: 2, batchSize: 64,
                                                lr: 2e-3, warmupSteps: 2, weightDecay: 0.1, seed: 0)
    public static let all = [micro, tiny, small]

    public static func named(_ name: String) -> PretrainingRecipe? { all.first { $0.name == name } }

    /// The CLIP architecture (CLIP's real BPE vocabulary, 49 408 tokens, 77 positions).
    public var clipConfig: CLIPConfig {
        .tiny(width: width, layers: layers, heads: heads, imageSize: imageSize, patchSize: patchSize, projectionDim: projectionDim)
    }

    /// Sorted-key JSON of every field.
    public var canonicalJSON: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: (try? encoder.encode(self)) ?? Data(), as: UTF8.self)
    }

    /// Hex SHA-256 of `canonicalJSON`: the backbone's identity.
    public var hash: String { SHA256.hexDigest(canonicalJSON) }

    /// The corpus dataset's name in the database.
    public var corpusDataset: String { "\(BuiltinDatasets.corpusName)-\(name)-v\(corpusVersion)" }

    /// The experiment the pretraining run belongs to.
    public var experimentName: String { "backbone-pretrain-\(name)" }

    /// The pretraining run's spec: the `clip-pretrain` method on the retrieval task (symmetric InfoNCE with a
    /// learnable temperature) over the corpus, starting from the random initialisation at `initDirectory`.
    func spec(initDirectory: URL) -> String {
        let train = CaptionCorpus.splits(count: corpusExamples).filter { $0 == "train" }.count
        let steps = (train + batchSize - 1) / batchSize * epochs
        return """
            # PEFTLab's own CLIP, recipe '\(name)' (hash \(hash.prefix(12))): contrastive pretraining on the captions corpus.
            name: \(experimentName)
            dataset: \(corpusDataset)
            backbone: \(initDirectory.path)
            task: retrieval
            target_metric: rsum
            method: {name: clip-pretrain}
            train: {epochs: \(epochs), batch_size: \(batchSize), lr: \(lr), warmup_steps: \(warmupSteps), schedule: cosine, weight_decay: \(weightDecay), grad_clip: 1.0, eval_every: \(max(1, steps / 4)), checkpoint_every: \(max(1, steps / 8)), keep_last: 1, cache: none}
            seeds: [\(seed)]
            """
    }

    /// This recipe with `field=value` overrides applied (numbers for numeric fields).
    /// - Throws: `PermanentRunError` naming the override when the field is unknown or the value does not fit it.
    public func overriding(_ overrides: [String]) throws -> PretrainingRecipe {
        guard !overrides.isEmpty else { return self }
        guard var fields = try JSONSerialization.jsonObject(with: Data(canonicalJSON.utf8)) as? [String: Any] else { return self }
        for override in overrides {
            let parts = override.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, let current = fields[parts[0]] else {
                throw PermanentRunError("--set '\(override)': expected field=value with a field among "
                                        + fields.keys.sorted().joined(separator: ", "))
            }
            if current is String { fields[parts[0]] = parts[1] } else if let number = Double(parts[1]) {
                fields[parts[0]] = number
            } else {
                throw PermanentRunError("--set '\(override)': '\(parts[1])' is not a number")
            }
        }
        do {
            return try JSONDecoder().decode(PretrainingRecipe.self, from: JSONSerialization.data(withJSONObject: fields))
        } catch {
            throw PermanentRunError("--set \(overrides.joined(separator: " ")): \(error)")
        }
    }
}

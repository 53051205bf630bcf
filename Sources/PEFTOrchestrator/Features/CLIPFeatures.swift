import Foundation
import PEFTCLIP
import PEFTData
import PEFTStore
import PEFTTensor

/// CLIP embeddings of a dataset's images and texts under one frozen backbone, computed once and kept in
/// `feature_cache` (layer -1: the tower's pooled, projected embedding), so every run of a grid reuses them.
public struct CLIPFeatures: Sendable {
    /// `feature_cache.layer` of pooled, projected embeddings.
    public static let embeddingLayer = -1

    public let store: Store
    public let backbone: CLIPBackbone
    /// `backbones.hash`: SHA-256 over config.json and model.safetensors.
    public let backboneHash: String
    let preprocessor: CLIPPreprocessor
    let textPreprocessHash: String

    /// Loads the backbone at `directory` and records it in `backbones`.
    /// - Throws: `CheckpointError` for a bad backbone directory, `StoreError` from the database.
    public init(store: Store, backboneDirectory: URL) throws {
        self.store = store
        (backbone, backboneHash) = try LoadedBackbone.shared.load(backboneDirectory)
        let configURL = backboneDirectory.appendingPathComponent("preprocessor_config.json")
        let imageSize = backbone.model.config.vision.imageSize
        let config = FileManager.default.fileExists(atPath: configURL.path)
            ? try CLIPPreprocessConfig.read(configURL) : CLIPPreprocessConfig(side: imageSize)
        preprocessor = CLIPPreprocessor(config: config)
        textPreprocessHash = SHA256.hexDigest("clip-bpe max_length=\(backbone.tokenizer.maxLength)")
        let configText = (try? String(contentsOf: backboneDirectory.appendingPathComponent("config.json"), encoding: .utf8)) ?? "{}"
        let (hash, name, path, count) = (backboneHash, backboneDirectory.lastPathComponent, backboneDirectory.path,
                                         backbone.model.parameterCount())
        try store.write { tx in
            try BackboneRecord(hash: hash, name: name, path: path, configJSON: configText, parameterCount: count,
                               createdAt: try tx.databaseNow()).register(in: tx)
        }
    }

    /// Computes and caches the embeddings of every example of `dataset` that are not cached yet.
    /// - Returns: how many image and text embeddings were computed (0 when all were cached).
    @discardableResult
    public func ensure(dataset: String, progress: (Int, Int) -> Void = { _, _ in }) throws -> Int {
        try ensure(examples: try DatasetReader(store: store).examples(dataset: dataset), progress: progress)
    }

    /// Computes and caches the embeddings of `examples`' images and texts that are not cached yet.
    @discardableResult
    public func ensure(examples: [ExampleRecord], progress: (Int, Int) -> Void = { _, _ in }) throws -> Int {
        let images = Array(Set(examples.compactMap(\.imageSHA256))).sorted()
        let texts = Array(Set(examples.compactMap(\.text))).sorted()
        let cache = FeatureCache(store: store)
        let missingImages = try cache.missing(images.map(imageKey)).map(\.inputHash)
        let textKeys = Dictionary(uniqueKeysWithValues: texts.map { ($0, textKey($0)) })
        let uncachedTexts = Set(try cache.missing(Array(textKeys.values)))
        let missingTexts = texts.filter { textKeys[$0].map(uncachedTexts.contains) ?? true }
        let total = missingImages.count + missingTexts.count
        var done = 0
        let embedder = CLIPEmbedder(backbone: backbone, batchSize: 32)
        let reader = DatasetReader(store: store)
        for start in stride(from: 0, to: missingImages.count, by: 64) {
            let chunk = Array(missingImages[start..<min(start + 64, missingImages.count)])
            let pixels = try chunk.map { sha in
                (input: sha, pixels: try reader.pixelValues(imageSHA256: sha, preprocessor: preprocessor).tensor)
            }
            let embedded = embedder.embed(images: pixels, normalize: false)
            try cache.save(embedded.map { (imageKey($0.input), [$0.embedding.count], $0.embedding) })
            done += chunk.count
            progress(done, total)
        }
        for start in stride(from: 0, to: missingTexts.count, by: 64) {
            let chunk = Array(missingTexts[start..<min(start + 64, missingTexts.count)])
            let embedded = embedder.embed(texts: chunk, normalize: false)
            try cache.save(embedded.map { (textKeys[$0.input] ?? textKey($0.input), [$0.embedding.count], $0.embedding) })
            done += chunk.count
            progress(done, total)
        }
        return total
    }

    /// Each example's embedding from `tower`, in order, read from the cache in one snapshot (call `ensure` first).
    /// - Throws: `PermanentRunError` when an example lacks the image or text, or its embedding is not cached.
    public func vectors(for examples: [ExampleRecord], tower: TowerKind) throws -> [[Float]] {
        let keys = try examples.map { example -> FeatureKey in
            switch tower {
            case .vision:
                guard let sha = example.imageSHA256 else { throw PermanentRunError("example '\(example.sourceKey)' has no image") }
                return imageKey(sha)
            case .text:
                guard let text = example.text else { throw PermanentRunError("example '\(example.sourceKey)' has no text") }
                return textKey(text)
            }
        }
        let cached = try FeatureCache(store: store).load(keys)
        return try zip(examples, keys).map { example, key in
            guard let values = cached[key]?.values else {
                throw PermanentRunError("no cached CLIP embedding for example '\(example.sourceKey)'; run `peftlab features` first")
            }
            return values
        }
    }

    private func imageKey(_ sha: String) -> FeatureKey {
        FeatureKey(backboneHash: backboneHash, tower: .vision, layer: Self.embeddingLayer,
                   preprocessHash: preprocessor.cacheKey, inputHash: sha)
    }

    private func textKey(_ text: String) -> FeatureKey {
        FeatureKey(backboneHash: backboneHash, tower: .text, layer: Self.embeddingLayer, preprocessHash: textPreprocessHash,
                   inputHash: FeatureKey.textInputHash(tokenIds: backbone.tokenizer.encode(text)))
    }
}

/// The most recently loaded backbone of this process, so the runs of a grid (one trainer each, often on several
/// worker threads) load and hash a ViT-B/32 checkpoint once instead of once per run. One entry: a worker moving
/// to another backbone frees the previous one.
final class LoadedBackbone: @unchecked Sendable {
    static let shared = LoadedBackbone()

    private let lock = NSLock()
    private var entry: (key: String, backbone: CLIPBackbone, hash: String)?

    /// The backbone at `directory` and its hash (SHA-256 over config.json and model.safetensors), reloaded when
    /// either file's size or modification time changed.
    func load(_ directory: URL) throws -> (CLIPBackbone, String) {
        try lock.withLock {
            let key = try Self.key(directory)
            if let entry, entry.key == key { return (entry.backbone, entry.hash) }
            let backbone = try CLIPBackbone.load(from: directory)
            var hasher = SHA256()
            for file in ["config.json", "model.safetensors"] {
                let data = try Data(contentsOf: directory.appendingPathComponent(file), options: .alwaysMapped)
                data.withUnsafeBytes { hasher.update($0.bindMemory(to: UInt8.self)) }
            }
            let hash = SHA256.hex(hasher.finalize())
            entry = (key, backbone, hash)
            return (backbone, hash)
        }
    }

    private static func key(_ directory: URL) throws -> String {
        var parts = [directory.standardizedFileURL.path]
        for file in ["config.json", "model.safetensors"] {
            let attributes = try? FileManager.default.attributesOfItem(atPath: directory.appendingPathComponent(file).path)
            parts.append("\(attributes?[.size] ?? 0)@\((attributes?[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0)")
        }
        return parts.joined(separator: "|")
    }
}

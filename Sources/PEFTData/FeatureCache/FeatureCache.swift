import Foundation
import PEFTStore

/// Which CLIP tower a cached hidden state belongs to.
public enum FeatureTower: String, Sendable, Codable, CaseIterable {
    case vision
    case text
}

/// How cached values are stored.
public enum FeatureDType: String, Sendable, Codable {
    /// 2 bytes per value, relative error ≤ 2⁻¹¹ (`Float16Codec`). The default.
    case float16
    /// 4 bytes per value, exact.
    case float32

    var bytesPerValue: Int { self == .float16 ? 2 : 4 }
}

/// The identity of one cached hidden state (the primary key of `feature_cache`).
public struct FeatureKey: Hashable, Sendable, Codable {
    /// `backbones.hash` of the frozen model.
    public var backboneHash: String
    public var tower: FeatureTower
    /// The hidden state at the input of this layer (0 = embeddings output).
    public var layer: Int
    /// `CLIPPreprocessor.cacheKey` for images, or a tokenizer-settings hash for text.
    public var preprocessHash: String
    /// The image's SHA-256, or `FeatureKey.textInputHash(tokenIds:)`.
    public var inputHash: String

    public init(backboneHash: String, tower: FeatureTower, layer: Int, preprocessHash: String, inputHash: String) {
        self.backboneHash = backboneHash
        self.tower = tower
        self.layer = layer
        self.preprocessHash = preprocessHash
        self.inputHash = inputHash
    }

    /// The input hash of a token sequence: SHA-256 of its little-endian Int32 ids.
    public static func textInputHash(tokenIds: [Int]) -> String {
        let ids = tokenIds.map { Int32(truncatingIfNeeded: $0).littleEndian }
        return SHA256.hexDigest(ids.withUnsafeBytes { Array($0) })
    }

    /// The key as `feature_cache` stores it.
    var record: FeatureCacheRecord.Key {
        FeatureCacheRecord.Key(backboneHash: backboneHash, tower: tower.rawValue, layer: layer,
                               preprocessHash: preprocessHash, inputHash: inputHash)
    }
}

/// A hidden state read back from the cache.
public struct CachedFeature: Sendable, Equatable {
    public var shape: [Int]
    public var values: [Float]
    public var dtype: FeatureDType
}

/// Storage and lookup of frozen-layer hidden states in `feature_cache`, so layers below the first trainable one
/// run once per input instead of once per epoch and run.
///
/// Cost per cached input: `tokens × width × 2` bytes in Float16 (plus ≈ 100 bytes of key and row overhead).
/// CLIP ViT-B/32 at 224 px: 50 × 768 × 2 = 76 800 bytes per image per layer (153 600 in Float32); its text tower
/// at 77 tokens: 77 × 512 × 2 = 78 848 bytes per caption per layer. `bytesPerEntry` computes this for any shape.
public struct FeatureCache: Sendable {
    public let store: Store
    /// Storage type of new entries (reads accept both).
    public let dtype: FeatureDType

    public init(store: Store, dtype: FeatureDType = .float16) {
        self.store = store
        self.dtype = dtype
    }

    /// Payload bytes of one entry of `shape` (excluding key and SQLite row overhead).
    public static func bytesPerEntry(shape: [Int], dtype: FeatureDType = .float16) -> Int {
        shape.reduce(1, *) * dtype.bytesPerValue
    }

    /// Stores (or replaces) entries in one transaction. `values.count` must equal the product of `shape`.
    /// - Throws: `StoreError` from the database.
    public func save(_ entries: [(key: FeatureKey, shape: [Int], values: [Float])]) throws {
        try save(entries, replacing: true)
    }

    private func save(_ entries: [(key: FeatureKey, shape: [Int], values: [Float])], replacing: Bool) throws {
        for entry in entries {
            precondition(entry.values.count == entry.shape.reduce(1, *),
                         "FeatureCache.save: \(entry.values.count) values for shape \(entry.shape)")
        }
        // One row per key, as if saved one after the other: the last entry of a key when replacing, else the first
        // (PostgreSQL refuses a multi-row upsert that touches a row twice).
        var position: [FeatureKey: Int] = [:]
        var unique: [(key: FeatureKey, shape: [Int], values: [Float])] = []
        for entry in entries {
            if let index = position[entry.key] {
                if replacing { unique[index] = entry }
            } else {
                position[entry.key] = unique.count
                unique.append(entry)
            }
        }
        let dtype = self.dtype
        let encoded = unique.map { entry in
            (key: entry.key.record, shape: "[" + entry.shape.map(String.init).joined(separator: ",") + "]",
             data: dtype == .float16 ? Data(Float16Codec.encode(entry.values)) : entry.values.withUnsafeBytes { Data($0) })
        }
        try store.write { tx in
            let now = try tx.databaseNow()
            try FeatureCacheRecord.save(encoded.map { entry in
                FeatureCacheRecord(key: entry.key, dtype: dtype.rawValue, shape: entry.shape, data: entry.data,
                                   createdAt: now)
            }, replacing: replacing, in: tx)
        }
    }

    /// Stores the entries that are not cached yet and leaves existing ones as they are (first writer wins, also
    /// when two processes write the same entries at once), so a value a running job has read never changes under it.
    /// - Throws: `StoreError` from the database.
    public func saveIfAbsent(_ entries: [(key: FeatureKey, shape: [Int], values: [Float])]) throws {
        try save(entries, replacing: false)
    }

    /// Stores one entry.
    public func save(_ values: [Float], shape: [Int], for key: FeatureKey) throws {
        try save([(key, shape, values)])
    }

    /// The entry for `key`, or nil when not cached.
    /// - Throws: `StoreError.corruptRow` when a stored row does not match its shape or dtype.
    public func load(_ key: FeatureKey) throws -> CachedFeature? {
        try load([key])[key]
    }

    /// The cached entries among `keys` (missing keys are absent from the result), read in one snapshot.
    public func load(_ keys: [FeatureKey]) throws -> [FeatureKey: CachedFeature] {
        try store.read { tx in
            var found: [FeatureKey: CachedFeature] = [:]
            for key in keys {
                guard let record = try FeatureCacheRecord.find(key.record, in: tx) else { continue }
                found[key] = try Self.decode(record)
            }
            return found
        }
    }

    /// The keys among `keys` that are not cached yet (what a feature pass still has to compute).
    public func missing(_ keys: [FeatureKey]) throws -> [FeatureKey] {
        try store.read { tx in
            try keys.filter { key in try !FeatureCacheRecord.exists(key.record, in: tx) }
        }
    }

    /// Deletes every entry of a backbone (e.g. after its weights changed); returns how many rows went.
    @discardableResult
    public func removeAll(backboneHash: String) throws -> Int {
        try store.write { tx in try FeatureCacheRecord.deleteAll(backboneHash: backboneHash, in: tx) }
    }

    /// Number of entries and total payload bytes.
    public func usage() throws -> (entries: Int, bytes: Int) {
        try store.read { tx in try FeatureCacheRecord.usage(in: tx) }
    }

    private static func decode(_ record: FeatureCacheRecord) throws -> CachedFeature {
        let (dtypeText, shapeText, data) = (record.dtype, record.shape, record.data)
        guard let dtype = FeatureDType(rawValue: dtypeText) else {
            throw StoreError.corruptRow(table: "feature_cache", detail: "unknown dtype '\(dtypeText)'")
        }
        let shape = shapeText.trimmingCharacters(in: CharacterSet(charactersIn: "[] ")).split(separator: ",")
            .compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        let count = shape.reduce(1, *)
        guard data.count == count * dtype.bytesPerValue else {
            throw StoreError.corruptRow(table: "feature_cache",
                                        detail: "shape \(shapeText) needs \(count * dtype.bytesPerValue) bytes of \(dtypeText), found \(data.count)")
        }
        let values: [Float] = dtype == .float16
            ? Float16Codec.decode(data)
            : data.withUnsafeBytes { raw in (0..<count).map { raw.loadUnaligned(fromByteOffset: 4 * $0, as: Float.self) } }
        return CachedFeature(shape: shape, values: values, dtype: dtype)
    }
}

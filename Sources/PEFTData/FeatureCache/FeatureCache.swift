import Foundation
import GRDB
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
        try save(entries, conflict: "REPLACE")
    }

    private func save(_ entries: [(key: FeatureKey, shape: [Int], values: [Float])], conflict: String) throws {
        for entry in entries {
            precondition(entry.values.count == entry.shape.reduce(1, *),
                         "FeatureCache.save: \(entry.values.count) values for shape \(entry.shape)")
        }
        let dtype = self.dtype
        try store.grdbWrite { db in
            let now = Store.now()
            for entry in entries {
                let data = dtype == .float16 ? Data(Float16Codec.encode(entry.values))
                                             : entry.values.withUnsafeBytes { Data($0) }
                try db.execute(sql: """
                    INSERT OR \(conflict) INTO feature_cache (backbone_hash, tower, layer, preprocess_hash, input_hash,
                                                          dtype, shape, data, created_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """, arguments: [entry.key.backboneHash, entry.key.tower.rawValue, entry.key.layer,
                                     entry.key.preprocessHash, entry.key.inputHash, dtype.rawValue,
                                     "[" + entry.shape.map(String.init).joined(separator: ",") + "]", data, now])
            }
        }
    }

    /// Stores the entries that are not cached yet and leaves existing ones as they are (first writer wins), so a
    /// value a running job has read never changes under it.
    /// - Throws: `StoreError` from the database.
    public func saveIfAbsent(_ entries: [(key: FeatureKey, shape: [Int], values: [Float])]) throws {
        try save(entries, conflict: "IGNORE")
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
        try store.grdbRead { db in
            var found: [FeatureKey: CachedFeature] = [:]
            for key in keys {
                guard let row = try Row.fetchOne(db, sql: """
                    SELECT dtype, shape, data FROM feature_cache
                    WHERE backbone_hash = ? AND tower = ? AND layer = ? AND preprocess_hash = ? AND input_hash = ?
                    """, arguments: [key.backboneHash, key.tower.rawValue, key.layer, key.preprocessHash, key.inputHash])
                else { continue }
                found[key] = try Self.decode(row)
            }
            return found
        }
    }

    /// The keys among `keys` that are not cached yet (what a feature pass still has to compute).
    public func missing(_ keys: [FeatureKey]) throws -> [FeatureKey] {
        try store.grdbRead { db in
            try keys.filter { key in
                try Int.fetchOne(db, sql: """
                    SELECT 1 FROM feature_cache
                    WHERE backbone_hash = ? AND tower = ? AND layer = ? AND preprocess_hash = ? AND input_hash = ?
                    """, arguments: [key.backboneHash, key.tower.rawValue, key.layer, key.preprocessHash,
                                     key.inputHash]) == nil
            }
        }
    }

    /// Deletes every entry of a backbone (e.g. after its weights changed); returns how many rows went.
    @discardableResult
    public func removeAll(backboneHash: String) throws -> Int {
        try store.grdbWrite { db in
            try db.execute(sql: "DELETE FROM feature_cache WHERE backbone_hash = ?", arguments: [backboneHash])
            return db.changesCount
        }
    }

    /// Number of entries and total payload bytes.
    public func usage() throws -> (entries: Int, bytes: Int) {
        try store.grdbRead { db in
            let row = try Row.fetchOne(db, sql: "SELECT COUNT(*) AS n, COALESCE(SUM(length(data)), 0) AS b FROM feature_cache")
            return (row?["n"] ?? 0, row?["b"] ?? 0)
        }
    }

    private static func decode(_ row: Row) throws -> CachedFeature {
        let dtypeText: String = row["dtype"]
        let shapeText: String = row["shape"]
        let data: Data = row["data"]
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

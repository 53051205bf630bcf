import Foundation

/// A row of `feature_cache`: a frozen layer's hidden state (or a tower's pooled embedding, layer -1) for one
/// backbone, tower, preprocessing and input. PEFTData's `FeatureCache` encodes and decodes the values.
public struct FeatureCacheRecord: Sendable, Equatable {
    /// The primary key of `feature_cache`.
    public struct Key: Hashable, Sendable {
        /// `backbones.hash` of the frozen model.
        public var backboneHash: String
        /// `vision` or `text`.
        public var tower: String
        /// The hidden state at the input of this layer (0 = embeddings; -1 = the pooled, projected embedding).
        public var layer: Int
        public var preprocessHash: String
        /// The image's SHA-256, or the hash of the token ids.
        public var inputHash: String

        public init(backboneHash: String, tower: String, layer: Int, preprocessHash: String, inputHash: String) {
            self.backboneHash = backboneHash
            self.tower = tower
            self.layer = layer
            self.preprocessHash = preprocessHash
            self.inputHash = inputHash
        }

        fileprivate var arguments: SQLArguments { [backboneHash, tower, layer, preprocessHash, inputHash] }
    }

    public var key: Key
    /// `float16` or `float32`.
    public var dtype: String
    /// A JSON array, e.g. `[50,768]`.
    public var shape: String
    /// Little-endian values of `dtype`.
    public var data: Data
    public var createdAt: Double

    public init(key: Key, dtype: String, shape: String, data: Data, createdAt: Double) {
        self.key = key
        self.dtype = dtype
        self.shape = shape
        self.data = data
        self.createdAt = createdAt
    }

    /// Reads a `SELECT * FROM feature_cache` row.
    public init(row: SQLRow) throws {
        key = Key(backboneHash: try row["backbone_hash"], tower: try row["tower"], layer: try row["layer"],
                  preprocessHash: try row["preprocess_hash"], inputHash: try row["input_hash"])
        dtype = try row["dtype"]
        shape = try row["shape"]
        data = try row["data"]
        createdAt = try row["created_at"]
    }

    /// The entry under `key`, if cached.
    public static func find(_ key: Key, in tx: any StoreTransaction) throws -> FeatureCacheRecord? {
        try tx.row("SELECT * FROM feature_cache WHERE \(keyMatch)", key.arguments).map(FeatureCacheRecord.init)
    }

    /// Whether an entry is cached under `key`.
    public static func exists(_ key: Key, in tx: any StoreTransaction) throws -> Bool {
        try tx.value(Int.self, "SELECT 1 FROM feature_cache WHERE \(keyMatch)", key.arguments) != nil
    }

    /// Stores `records`, replacing entries under the same keys (`replacing`) or leaving them as they are, so the
    /// first writer wins even when two writers race.
    public static func save(_ records: [FeatureCacheRecord], replacing: Bool, in tx: any StoreTransaction) throws {
        let insertion = SQLInsert(
            into: "feature_cache",
            columns: ["backbone_hash", "tower", "layer", "preprocess_hash", "input_hash", "dtype", "shape", "data",
                      "created_at"],
            conflict: replacing ? .replace(key: ["backbone_hash", "tower", "layer", "preprocess_hash", "input_hash"])
                                : .ignore)
        try tx.insert(insertion, rows: records.map { record in
            record.key.arguments.values + [.text(record.dtype), .text(record.shape), .blob(record.data),
                                           .real(record.createdAt)]
        })
    }

    /// Deletes every entry of a backbone; returns how many rows went.
    public static func deleteAll(backboneHash: String, in tx: any StoreTransaction) throws -> Int {
        try tx.execute("DELETE FROM feature_cache WHERE backbone_hash = ?", [backboneHash])
    }

    /// The number of entries and their total payload bytes.
    public static func usage(in tx: any StoreTransaction) throws -> (entries: Int, bytes: Int) {
        let row = try tx.row("SELECT COUNT(*) AS n, COALESCE(SUM(length(data)), 0) AS b FROM feature_cache")
        return (try row?["n"] ?? 0, try row?["b"] ?? 0)
    }

    private static let keyMatch =
        "backbone_hash = ? AND tower = ? AND layer = ? AND preprocess_hash = ? AND input_hash = ?"
}

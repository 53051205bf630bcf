import Foundation

/// A row of `examples`: one example of a dataset (text, optional image, label or score, split).
///
/// Named `…Row` because PEFTData's `ExampleRecord` is the view training reads (token ids decoded, no bookkeeping
/// columns), built from this one.
public struct ExampleRow: Sendable, Equatable {
    /// Nil until inserted.
    public var id: Int64?
    public var datasetID: Int64
    /// The example's id within its dataset (the manifest's id field, or a content hash).
    public var sourceKey: String
    public var split: String
    public var text: String?
    /// CLIP BPE ids as little-endian Int32, with start and end tokens.
    public var tokenIDs: Data?
    public var imageSHA256: String?
    public var label: Int?
    public var score: Double?
    public var labelsJSON: String?
    /// Other manifest fields kept verbatim (a canonical JSON object).
    public var extraJSON: String?
    public var createdAt: Double

    public init(datasetID: Int64, sourceKey: String, split: String, text: String?, tokenIDs: Data? = nil,
                imageSHA256: String? = nil, label: Int? = nil, score: Double? = nil, labelsJSON: String? = nil,
                extraJSON: String? = nil, createdAt: Double) {
        self.datasetID = datasetID
        self.sourceKey = sourceKey
        self.split = split
        self.text = text
        self.tokenIDs = tokenIDs
        self.imageSHA256 = imageSHA256
        self.label = label
        self.score = score
        self.labelsJSON = labelsJSON
        self.extraJSON = extraJSON
        self.createdAt = createdAt
    }

    /// Reads a `SELECT * FROM examples` row.
    public init(row: SQLRow) throws {
        id = try row["id"]
        datasetID = try row["dataset_id"]
        sourceKey = try row["source_key"]
        split = try row["split"]
        text = try row["text"]
        tokenIDs = try row["token_ids"]
        imageSHA256 = try row["image_sha256"]
        label = try row["label"]
        score = try row["score"]
        labelsJSON = try row["labels_json"]
        extraJSON = try row["extra_json"]
        createdAt = try row["created_at"]
    }

    /// The examples of a dataset, or of one of its splits, in insertion order.
    public static func all(datasetID: Int64, split: String? = nil, in tx: any StoreTransaction) throws -> [ExampleRow] {
        if let split {
            return try tx.rows("SELECT * FROM examples WHERE dataset_id = ? AND split = ? ORDER BY id", [datasetID, split])
                .map(ExampleRow.init)
        }
        return try tx.rows("SELECT * FROM examples WHERE dataset_id = ? ORDER BY id", [datasetID]).map(ExampleRow.init)
    }

    /// The stored examples of a dataset whose source keys are among `sourceKeys` (any order).
    public static func stored(datasetID: Int64, sourceKeys: [String], in tx: any StoreTransaction) throws -> [ExampleRow] {
        var found: [ExampleRow] = []
        for chunk in sourceKeys.inChunks() {
            found += try tx.rows("""
                SELECT * FROM examples WHERE dataset_id = ? AND source_key IN (\(SQLArguments.placeholders(chunk.count)))
                """, SQLArguments([.integer(datasetID)] + chunk.map(\.sqlValue))).map(ExampleRow.init)
        }
        return found
    }

    /// Inserts the example unless its dataset already holds one with its source key; returns the new id, or nil
    /// when the key was taken (also when another writer took it at the same moment).
    public func insertIfAbsent(in tx: any StoreTransaction) throws -> Int64? {
        try tx.value(Int64.self, Self.insertSQL + " ON CONFLICT (dataset_id, source_key) DO NOTHING RETURNING id",
                     arguments)
    }

    /// Inserts the example and returns its id.
    /// - Throws: `StoreError` when its dataset already holds the source key.
    public func insert(in tx: any StoreTransaction) throws -> Int64 {
        try tx.insertReturningID(Self.insertSQL + " RETURNING id", arguments)
    }

    private static let insertSQL = """
        INSERT INTO examples (dataset_id, source_key, split, text, token_ids, image_sha256, label, score, labels_json,
                              extra_json, created_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """

    private var arguments: SQLArguments {
        [datasetID, sourceKey, split, text, tokenIDs, imageSHA256, label, score, labelsJSON, extraJSON, createdAt]
    }
}

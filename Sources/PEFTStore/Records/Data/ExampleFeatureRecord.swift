import Foundation

/// A row of `example_features`: an extra modality of an example (audio or video frames) as a `[frames, dims]`
/// little-endian Float32 sequence.
public struct ExampleFeatureRecord: Sendable, Equatable {
    public var exampleID: Int64
    /// The modality name, e.g. `audio`.
    public var name: String
    /// A JSON array, e.g. `[8,16]`.
    public var shape: String
    /// Little-endian Float32 values.
    public var data: Data

    public init(exampleID: Int64, name: String, shape: String, data: Data) {
        self.exampleID = exampleID
        self.name = name
        self.shape = shape
        self.data = data
    }

    /// Reads a `SELECT * FROM example_features` row.
    public init(row: SQLRow) throws {
        exampleID = try row["example_id"]
        name = try row["name"]
        shape = try row["shape"]
        data = try row["data"]
    }

    /// One feature with its example's targets, as a probe reads it.
    public struct Labelled: Sendable, Equatable {
        public var exampleID: Int64
        public var label: Int?
        public var score: Double?
        public var shape: String
        public var data: Data
    }

    /// Inserts the feature.
    /// - Throws: `StoreError` when the example already has a feature of this name.
    public func insert(in tx: any StoreTransaction) throws {
        try tx.execute("INSERT INTO example_features (example_id, name, shape, data) VALUES (?, ?, ?, ?)",
                       [exampleID, name, shape, data])
    }

    /// The feature `name` of an example, if it has one.
    public static func find(exampleID: Int64, name: String, in tx: any StoreTransaction) throws -> ExampleFeatureRecord? {
        try tx.row("SELECT * FROM example_features WHERE example_id = ? AND name = ?", [exampleID, name])
            .map(ExampleFeatureRecord.init)
    }

    /// Every feature of the examples `exampleIDs` (any order).
    public static func all(exampleIDs: [Int64], in tx: any StoreTransaction) throws -> [ExampleFeatureRecord] {
        var found: [ExampleFeatureRecord] = []
        for chunk in exampleIDs.inChunks() {
            found += try tx.rows("""
                SELECT * FROM example_features WHERE example_id IN (\(SQLArguments.placeholders(chunk.count)))
                """, SQLArguments(chunk.map(\.sqlValue))).map(ExampleFeatureRecord.init)
        }
        return found
    }

    /// Hands `body` the feature `name` of every example of the dataset named `dataset` (of one split, when given)
    /// that has it, with the example's label and score, by example id; streamed, one row at a time.
    public static func forEachLabelled(dataset: String, name: String, split: String? = nil,
                                       in tx: any StoreTransaction, _ body: (Labelled) throws -> Void) throws {
        let sql = """
            SELECT x.id, x.label, x.score, f.shape, f.data FROM examples x
            JOIN datasets d ON d.id = x.dataset_id
            JOIN example_features f ON f.example_id = x.id AND f.name = ?
            WHERE d.name = ?\(split == nil ? "" : " AND x.split = ?") ORDER BY x.id
            """
        let arguments: SQLArguments = split.map { [name, dataset, $0] } ?? [name, dataset]
        try tx.forEachRow(sql, arguments) { row in
            try body(Labelled(exampleID: try row["id"], label: try row["label"], score: try row["score"],
                              shape: try row["shape"], data: try row["data"]))
        }
    }
}

import Foundation

/// A row of `image_tensors`: an image's pixels cached under one preprocessing recipe (PEFTData stores the resized
/// and cropped uint8 HWC pixels, a quarter of a float32 tensor, and normalises them on read).
public struct ImageTensorRecord: Sendable, Equatable {
    public var imageSHA256: String
    /// Hash of the canonical preprocessing parameters (`CLIPPreprocessor.cacheKey`).
    public var preprocessHash: String
    /// `uint8` (HWC pixels), `float32` or `float16` (CHW tensor).
    public var dtype: String
    /// A JSON array, e.g. `[224,224,3]`.
    public var shape: String
    /// Little-endian values.
    public var data: Data
    public var createdAt: Double

    public init(imageSHA256: String, preprocessHash: String, dtype: String, shape: String, data: Data,
                createdAt: Double) {
        self.imageSHA256 = imageSHA256
        self.preprocessHash = preprocessHash
        self.dtype = dtype
        self.shape = shape
        self.data = data
        self.createdAt = createdAt
    }

    /// Reads a `SELECT * FROM image_tensors` row.
    public init(row: SQLRow) throws {
        imageSHA256 = try row["image_sha256"]
        preprocessHash = try row["preprocess_hash"]
        dtype = try row["dtype"]
        shape = try row["shape"]
        data = try row["data"]
        createdAt = try row["created_at"]
    }

    /// The cached entry of an image under `preprocessHash`, if it is stored as `dtype`.
    public static func find(imageSHA256: String, preprocessHash: String, dtype: String,
                            in tx: any StoreTransaction) throws -> ImageTensorRecord? {
        try tx.row("SELECT * FROM image_tensors WHERE image_sha256 = ? AND preprocess_hash = ? AND dtype = ?",
                   [imageSHA256, preprocessHash, dtype]).map(ImageTensorRecord.init)
    }

    /// The hashes among `hashes` whose images have an entry under `preprocessHash`.
    public static func cached(among hashes: [String], preprocessHash: String,
                              in tx: any StoreTransaction) throws -> Set<String> {
        var found = Set<String>()
        for chunk in hashes.inChunks() {
            for row in try tx.rows("""
                SELECT image_sha256 FROM image_tensors
                WHERE preprocess_hash = ? AND image_sha256 IN (\(SQLArguments.placeholders(chunk.count)))
                """, SQLArguments([.text(preprocessHash)] + chunk.map(\.sqlValue))) {
                found.insert(try row[0])
            }
        }
        return found
    }

    /// Stores the entry unless the image already has one under this recipe (the first one stays).
    public func insertIfAbsent(in tx: any StoreTransaction) throws {
        try tx.insert(Self.insertion(.ignore), rows: [values])
    }

    /// Stores the entry, replacing one the image has under this recipe.
    public func save(in tx: any StoreTransaction) throws {
        try tx.insert(Self.insertion(.replace(key: ["image_sha256", "preprocess_hash"])), rows: [values])
    }

    private var values: [SQLValue] {
        [.text(imageSHA256), .text(preprocessHash), .text(dtype), .text(shape), .blob(data), .real(createdAt)]
    }

    private static func insertion(_ conflict: SQLInsert.Conflict) -> SQLInsert {
        SQLInsert(into: "image_tensors",
                  columns: ["image_sha256", "preprocess_hash", "dtype", "shape", "data", "created_at"],
                  conflict: conflict)
    }
}

import Foundation

/// A row of `images`: an image file stored once, addressed by the SHA-256 of its bytes.
public struct ImageRecord: Sendable, Equatable {
    /// Lowercase hex SHA-256 of `bytes`.
    public var sha256: String
    /// `jpeg` or `png`.
    public var format: String
    /// Decoded size in pixels, after EXIF orientation.
    public var width: Int
    public var height: Int
    /// The original file bytes.
    public var bytes: Data
    public var createdAt: Double

    public init(sha256: String, format: String, width: Int, height: Int, bytes: Data, createdAt: Double) {
        self.sha256 = sha256
        self.format = format
        self.width = width
        self.height = height
        self.bytes = bytes
        self.createdAt = createdAt
    }

    /// Reads a `SELECT * FROM images` row.
    public init(row: SQLRow) throws {
        sha256 = try row["sha256"]
        format = try row["format"]
        width = try row["width"]
        height = try row["height"]
        bytes = try row["bytes"]
        createdAt = try row["created_at"]
    }

    /// Stores the image unless one with its hash is stored already; returns whether it was new.
    @discardableResult
    public func insertIfAbsent(in tx: any StoreTransaction) throws -> Bool {
        try tx.execute("""
            INSERT INTO images (sha256, format, width, height, byte_count, bytes, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (sha256) DO NOTHING
            """, [sha256, format, width, height, bytes.count, bytes, createdAt]) == 1
    }

    /// The original file bytes of the image with hash `sha256`, if stored.
    public static func bytes(sha256: String, in tx: any StoreTransaction) throws -> Data? {
        try tx.value(Data.self, "SELECT bytes FROM images WHERE sha256 = ?", [sha256])
    }

    /// The hashes among `hashes` that are stored images.
    public static func stored(among hashes: [String], in tx: any StoreTransaction) throws -> Set<String> {
        var found = Set<String>()
        for chunk in hashes.inChunks() {
            for row in try tx.rows("SELECT sha256 FROM images WHERE sha256 IN (\(SQLArguments.placeholders(chunk.count)))",
                                   SQLArguments(chunk.map(\.sqlValue))) {
                found.insert(try row[0])
            }
        }
        return found
    }
}

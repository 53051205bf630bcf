import Foundation
import GRDB
import PEFTStore

/// One stored example, as training and evaluation read it.
public struct ExampleRecord: Sendable, Equatable {
    public var id: Int64
    public var sourceKey: String
    public var split: String
    public var text: String?
    /// CLIP token ids with start/end tokens (nil when ingested without a tokenizer).
    public var tokenIds: [Int]?
    public var imageSHA256: String?
    public var label: Int?
    public var score: Double?
    /// Unmapped manifest fields (canonical JSON), e.g. retrieval distractors as image hashes.
    public var extraJSON: String?
}

/// Reads ingested datasets back: examples, images, preprocessed pixels (through the `image_tensors` cache) and
/// extra modality features.
public struct DatasetReader: Sendable {
    public let store: Store

    public init(store: Store) { self.store = store }

    /// The examples of `dataset` (optionally one split), in insertion order.
    /// - Throws: `StoreError.notFound` when the dataset does not exist.
    public func examples(dataset: String, split: String? = nil) throws -> [ExampleRecord] {
        try store.grdbRead { db in
            guard let datasetID = try Int64.fetchOne(db, sql: "SELECT id FROM datasets WHERE name = ?", arguments: [dataset])
            else { throw StoreError.notFound(what: "dataset '\(dataset)'") }
            let rows = try Row.fetchAll(db, sql: """
                SELECT id, source_key, split, text, token_ids, image_sha256, label, score, extra_json FROM examples
                WHERE dataset_id = ? AND (? IS NULL OR split = ?) ORDER BY id
                """, arguments: [datasetID, split, split])
            return rows.map { row in
                let blob: Data? = row["token_ids"]
                return ExampleRecord(
                    id: row["id"], sourceKey: row["source_key"], split: row["split"], text: row["text"],
                    tokenIds: blob.map { data in
                        data.withUnsafeBytes { raw in
                            (0..<(raw.count / 4)).map { Int(Int32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * $0, as: Int32.self))) }
                        }
                    },
                    imageSHA256: row["image_sha256"], label: row["label"], score: row["score"], extraJSON: row["extra_json"])
            }
        }
    }

    /// The original file bytes of an image.
    /// - Throws: `StoreError.notFound`.
    public func imageBytes(sha256: String) throws -> [UInt8] {
        try store.grdbRead { db in
            guard let data = try Data.fetchOne(db, sql: "SELECT bytes FROM images WHERE sha256 = ?", arguments: [sha256])
            else { throw StoreError.notFound(what: "image \(sha256)") }
            return [UInt8](data)
        }
    }

    /// The preprocessed pixel values of an image: from the `image_tensors` cache (uint8 resized + cropped pixels
    /// under `preprocessor.cacheKey`) when present, otherwise decoded from the stored bytes and, with
    /// `storeOnMiss`, cached for next time. Bit-identical either way.
    /// - Throws: `StoreError`, or `ImageDecodeError` if the stored bytes no longer decode.
    public func pixelValues(imageSHA256 sha: String, preprocessor: CLIPPreprocessor, storeOnMiss: Bool = true) throws
        -> PixelValues
    {
        let key = preprocessor.cacheKey
        let cached = try store.grdbRead { db in
            try Row.fetchOne(db, sql: """
                SELECT shape, data FROM image_tensors WHERE image_sha256 = ? AND preprocess_hash = ? AND dtype = 'uint8'
                """, arguments: [sha, key])
        }
        if let cached {
            let shape = (cached["shape"] as String).trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
                .split(separator: ",").compactMap { Int($0) }
            let data: Data = cached["data"]
            if shape.count == 3, shape[2] == 3, shape[0] * shape[1] * 3 == data.count {
                return preprocessor.normalized(RGBImage(width: shape[1], height: shape[0], pixels: [UInt8](data)))
            }
        }
        let crop = try preprocessor.resizedAndCropped(try ImageDecoder.decode(try imageBytes(sha256: sha),
                                                                           options: preprocessor.decodeOptions))
        if storeOnMiss {
            try store.grdbWrite { db in
                try db.execute(sql: """
                    INSERT OR REPLACE INTO image_tensors (image_sha256, preprocess_hash, dtype, shape, data, created_at)
                    VALUES (?, ?, 'uint8', ?, ?, ?)
                    """, arguments: [sha, key, "[\(crop.height),\(crop.width),3]", Data(crop.pixels), Store.now()])
            }
        }
        return preprocessor.normalized(crop)
    }

    /// An example's extra modality feature sequence (`[frames, dims]` Float32), or nil when it has none by that name.
    public func feature(exampleID: Int64, name: String) throws -> (shape: [Int], values: [Float])? {
        try store.grdbRead { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT shape, data FROM example_features WHERE example_id = ? AND name = ?",
                                             arguments: [exampleID, name]) else { return nil }
            let shape = (row["shape"] as String).trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
                .split(separator: ",").compactMap { Int($0) }
            let data: Data = row["data"]
            let values = data.withUnsafeBytes { raw in
                (0..<(raw.count / 4)).map { raw.loadUnaligned(fromByteOffset: 4 * $0, as: Float.self) }
            }
            return (shape, values)
        }
    }
}

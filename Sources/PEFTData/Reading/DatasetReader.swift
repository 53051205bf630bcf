import Foundation
import PEFTStore

/// One stored example, as training and evaluation read it (the `examples` row, PEFTStore's `ExampleRow`, with its
/// token ids decoded).
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
        try store.read { tx in
            guard let datasetID = try DatasetRecord.id(named: dataset, in: tx) else {
                throw StoreError.notFound(what: "dataset '\(dataset)'")
            }
            return try ExampleRow.all(datasetID: datasetID, split: split, in: tx).map(ExampleRecord.init)
        }
    }

    /// The original file bytes of an image.
    /// - Throws: `StoreError.notFound`.
    public func imageBytes(sha256: String) throws -> [UInt8] {
        try store.read { tx in
            guard let data = try ImageRecord.bytes(sha256: sha256, in: tx) else {
                throw StoreError.notFound(what: "image \(sha256)")
            }
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
        let cached = try store.read { tx in
            try ImageTensorRecord.find(imageSHA256: sha, preprocessHash: key, dtype: "uint8", in: tx)
        }
        if let cached {
            let shape = Self.dimensions(cached.shape)
            let data = cached.data
            if shape.count == 3, shape[2] == 3, shape[0] * shape[1] * 3 == data.count {
                return preprocessor.normalized(RGBImage(width: shape[1], height: shape[0], pixels: [UInt8](data)))
            }
        }
        let crop = try preprocessor.resizedAndCropped(try ImageDecoder.decode(try imageBytes(sha256: sha),
                                                                           options: preprocessor.decodeOptions))
        if storeOnMiss {
            try store.write { tx in
                try ImageTensorRecord(imageSHA256: sha, preprocessHash: key, dtype: "uint8",
                                      shape: "[\(crop.height),\(crop.width),3]", data: Data(crop.pixels),
                                      createdAt: try tx.databaseNow()).save(in: tx)
            }
        }
        return preprocessor.normalized(crop)
    }

    /// An example's extra modality feature sequence (`[frames, dims]` Float32), or nil when it has none by that name.
    public func feature(exampleID: Int64, name: String) throws -> (shape: [Int], values: [Float])? {
        guard let feature = try store.read({ tx in try ExampleFeatureRecord.find(exampleID: exampleID, name: name, in: tx) })
        else { return nil }
        let values = feature.data.withUnsafeBytes { raw in
            (0..<(raw.count / 4)).map { raw.loadUnaligned(fromByteOffset: 4 * $0, as: Float.self) }
        }
        return (Self.dimensions(feature.shape), values)
    }

    /// The dimensions of a stored shape (`[8,16]` → [8, 16]).
    private static func dimensions(_ shape: String) -> [Int] {
        shape.trimmingCharacters(in: CharacterSet(charactersIn: "[]")).split(separator: ",").compactMap { Int($0) }
    }
}

extension ExampleRecord {
    /// The training view of a stored `examples` row.
    init(_ row: ExampleRow) {
        self.init(id: row.id ?? 0, sourceKey: row.sourceKey, split: row.split, text: row.text,
                  tokenIds: row.tokenIDs.map { data in
                      data.withUnsafeBytes { raw in
                          (0..<(raw.count / 4)).map {
                              Int(Int32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * $0, as: Int32.self)))
                          }
                      }
                  },
                  imageSHA256: row.imageSHA256, label: row.label, score: row.score, extraJSON: row.extraJSON)
    }
}

import Foundation
import PEFTStore

/// An image ready to be stored: file bytes, hash, format and decoded size, plus the optional pixel-cache entry.
struct StoredImage: Sendable {
    var sha256: String
    var bytes: [UInt8]
    var format: ImageFormat
    var width: Int
    var height: Int
    /// Resized + cropped uint8 HWC pixels for `image_tensors`, when the pixel cache is on.
    var cachedPixels: RGBImage?
}

/// One example ready to be stored.
struct ReadyExample: Sendable {
    var row: ParsedRow
    var tokenIds: [Int32]?
    var imageSHA256: String?
    var extraJSON: String?
}

/// Everything one batch writes, in one transaction.
struct IngestBatch: Sendable {
    var images: [StoredImage] = []
    var examples: [ReadyExample] = []
    /// Rows whose source key already existed (their quarantine entries, if any, are cleared).
    var duplicateLines: [Int] = []
    var problems: [(line: Int, problem: RowProblem)] = []
}

/// What ingestion reads and writes, as records of PEFTStore (`DatasetRecord`, `ManifestRecord`, `ImageRecord`,
/// `ImageTensorRecord`, `ExampleRow`, `ExampleFeatureRecord`, `QuarantineRecord`, `Event`). Every function runs
/// inside the caller's transaction and keeps nothing outside it, so a write transaction can be re-run.
enum IngestStore {
    /// The ids of the dataset (created if new, a missing task hint filled) and of the manifest within it
    /// (recognised by content hash; created, or its path and row count refreshed).
    static func ids(_ tx: any StoreTransaction, dataset name: String, task: String?, manifest: Manifest) throws
        -> (dataset: Int64, manifest: Int64)
    {
        let now = try tx.databaseNow()
        let datasetID = try DatasetRecord.ensure(named: name, task: task, now: now, in: tx)
        let manifestID = try ManifestRecord.ensure(datasetID: datasetID, path: manifest.path, sha256: manifest.sha256,
                                                   format: manifest.format.rawValue, rowsTotal: manifest.rows.count,
                                                   now: now, in: tx)
        return (datasetID, manifestID)
    }

    /// The stored examples of the dataset among `keys` (with their features), by source key.
    static func storedExamples(_ tx: any StoreTransaction, datasetID: Int64, keys: [String]) throws
        -> [String: StoredExample]
    {
        var found: [String: StoredExample] = [:]
        var keysByID: [Int64: String] = [:]
        for row in try ExampleRow.stored(datasetID: datasetID, sourceKeys: keys, in: tx) {
            if let id = row.id { keysByID[id] = row.sourceKey }
            found[row.sourceKey] = StoredExample(split: row.split, text: row.text, label: row.label, score: row.score,
                                                 imageSHA256: row.imageSHA256, extraJSON: row.extraJSON, features: [:])
        }
        for feature in try ExampleFeatureRecord.all(exampleIDs: Array(keysByID.keys), in: tx) {
            guard let key = keysByID[feature.exampleID] else { continue }
            found[key]?.features[feature.name] = (feature.shape, feature.data)
        }
        return found
    }

    /// Which of `hashes` are already stored images, and which have a pixel-cache entry for `preprocessHash`.
    static func existingImages(_ tx: any StoreTransaction, hashes: [String], preprocessHash: String?) throws
        -> (images: Set<String>, tensors: Set<String>)
    {
        let images = try ImageRecord.stored(among: hashes, in: tx)
        guard let preprocessHash else { return (images, []) }
        return (images, try ImageTensorRecord.cached(among: hashes, preprocessHash: preprocessHash, in: tx))
    }

    /// Writes one batch. Returns (examples stored, rows that turned out to be duplicates, new images).
    ///
    /// De-duplication rests on the tables' keys (`images.sha256`, `examples (dataset_id, source_key)`) with
    /// `ON CONFLICT DO NOTHING`, so two ingests writing the same rows at once store each of them once.
    static func commit(_ tx: any StoreTransaction, batch: IngestBatch, datasetID: Int64, manifestID: Int64,
                       file: String, preprocessHash: String?) throws -> (stored: Int, duplicates: Int, newImages: Int) {
        let now = try tx.databaseNow()
        var newImages = 0
        for image in batch.images {
            let record = ImageRecord(sha256: image.sha256, format: image.format.rawValue, width: image.width,
                                     height: image.height, bytes: Data(image.bytes), createdAt: now)
            if try record.insertIfAbsent(in: tx) { newImages += 1 }
            if let pixels = image.cachedPixels, let preprocessHash {
                try ImageTensorRecord(imageSHA256: image.sha256, preprocessHash: preprocessHash, dtype: "uint8",
                                      shape: "[\(pixels.height),\(pixels.width),3]", data: Data(pixels.pixels),
                                      createdAt: now).insertIfAbsent(in: tx)
            }
        }
        var stored = 0, duplicates = batch.duplicateLines.count
        var resolvedLines = batch.duplicateLines
        for example in batch.examples {
            let row = example.row
            let record = ExampleRow(datasetID: datasetID, sourceKey: row.sourceKey, split: row.split, text: row.text,
                                    tokenIDs: example.tokenIds.map(Self.int32Blob), imageSHA256: example.imageSHA256,
                                    label: row.label, score: row.score, extraJSON: example.extraJSON, createdAt: now)
            resolvedLines.append(row.line)
            guard let exampleID = try record.insertIfAbsent(in: tx) else {
                duplicates += 1
                continue
            }
            stored += 1
            for feature in row.features {
                try ExampleFeatureRecord(exampleID: exampleID, name: feature.name,
                                         shape: StoredExample.shape(feature.shape),
                                         data: Self.float32Blob(feature.values)).insert(in: tx)
            }
        }
        try QuarantineRecord.clear(datasetID: datasetID, file: file, lines: resolvedLines, in: tx)
        for (line, problem) in batch.problems {
            try QuarantineRecord.record(datasetID: datasetID, file: file, line: line, field: problem.field,
                                        reason: problem.reason, now: now, in: tx)
        }
        try ManifestRecord.addBatch(id: manifestID, stored: stored, datasetID: datasetID, file: file, in: tx)
        return (stored, duplicates, newImages)
    }

    /// Marks the manifest complete and records an `ingest` event with the summary.
    static func finish(_ tx: any StoreTransaction, manifestID: Int64, summary: IngestSummary) throws {
        let now = try tx.databaseNow()
        try ManifestRecord.complete(id: manifestID, now: now, in: tx)
        try Event.record(tx, runID: nil, level: summary.quarantined > 0 ? .warning : .info, kind: "ingest",
                         message: summary.description, now: now)
    }

    /// Little-endian Int32 bytes (token ids).
    static func int32Blob(_ values: [Int32]) -> Data {
        values.withUnsafeBytes { Data($0) }
    }

    /// Little-endian Float32 bytes (feature sequences).
    static func float32Blob(_ values: [Float]) -> Data {
        values.withUnsafeBytes { Data($0) }
    }
}

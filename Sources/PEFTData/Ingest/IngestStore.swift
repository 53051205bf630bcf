import Foundation
import GRDB
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

/// The SQL of ingestion, against the tables of schema.sql (`datasets`, `manifests`, `images`, `image_tensors`,
/// `examples`, `example_features`, `quarantine`, `events`). Every function runs inside the caller's transaction.
enum IngestStore {
    /// The dataset's id, creating the row if needed (and filling a missing task hint).
    static func datasetID(_ db: Database, name: String, task: String?) throws -> Int64 {
        try db.execute(sql: "INSERT OR IGNORE INTO datasets (name, task, created_at) VALUES (?, ?, ?)",
                       arguments: [name, task, Store.now()])
        if let task {
            try db.execute(sql: "UPDATE datasets SET task = ? WHERE name = ? AND task IS NULL", arguments: [task, name])
        }
        guard let id = try Int64.fetchOne(db, sql: "SELECT id FROM datasets WHERE name = ?", arguments: [name]) else {
            throw StoreError.notFound(what: "dataset '\(name)'")
        }
        return id
    }

    /// The manifest's id within the dataset (recognised by content hash), creating or refreshing the row.
    static func manifestID(_ db: Database, datasetID: Int64, manifest: Manifest) throws -> Int64 {
        try db.execute(sql: """
            INSERT OR IGNORE INTO manifests (dataset_id, path, sha256, format, rows_total, created_at)
            VALUES (?, ?, ?, ?, ?, ?)
            """, arguments: [datasetID, manifest.path, manifest.sha256, manifest.format.rawValue, manifest.rows.count,
                             Store.now()])
        try db.execute(sql: "UPDATE manifests SET path = ?, rows_total = ? WHERE dataset_id = ? AND sha256 = ?",
                       arguments: [manifest.path, manifest.rows.count, datasetID, manifest.sha256])
        guard let id = try Int64.fetchOne(db, sql: "SELECT id FROM manifests WHERE dataset_id = ? AND sha256 = ?",
                                          arguments: [datasetID, manifest.sha256]) else {
            throw StoreError.notFound(what: "manifest \(manifest.path)")
        }
        return id
    }

    /// The stored examples of the dataset among `keys` (with their features), by source key.
    static func storedExamples(_ db: Database, datasetID: Int64, keys: [String]) throws -> [String: StoredExample] {
        var found: [String: StoredExample] = [:]
        var ids: [Int64: String] = [:]
        for start in stride(from: 0, to: keys.count, by: 500) {
            let chunk = Array(keys[start..<min(start + 500, keys.count)])
            let marks = Array(repeating: "?", count: chunk.count).joined(separator: ",")
            let rows = try Row.fetchAll(db, sql: """
                SELECT id, source_key, split, text, label, score, image_sha256, extra_json FROM examples
                WHERE dataset_id = ? AND source_key IN (\(marks))
                """, arguments: StatementArguments([datasetID] + chunk))
            for row in rows {
                let key: String = row["source_key"]
                ids[row["id"]] = key
                found[key] = StoredExample(split: row["split"], text: row["text"], label: row["label"],
                                           score: row["score"], imageSHA256: row["image_sha256"],
                                           extraJSON: row["extra_json"], features: [:])
            }
        }
        let exampleIDs = Array(ids.keys)
        for start in stride(from: 0, to: exampleIDs.count, by: 500) {
            let chunk = Array(exampleIDs[start..<min(start + 500, exampleIDs.count)])
            let marks = Array(repeating: "?", count: chunk.count).joined(separator: ",")
            for row in try Row.fetchAll(db, sql: """
                SELECT example_id, name, shape, data FROM example_features WHERE example_id IN (\(marks))
                """, arguments: StatementArguments(chunk)) {
                guard let key = ids[row["example_id"]] else { continue }
                found[key]?.features[row["name"]] = (row["shape"], row["data"])
            }
        }
        return found
    }

    /// Which of `hashes` are already stored images, and which have a pixel-cache entry for `preprocessHash`.
    static func existingImages(_ db: Database, hashes: [String], preprocessHash: String?) throws
        -> (images: Set<String>, tensors: Set<String>)
    {
        let images = try chunked(hashes) { chunk, marks in
            try String.fetchAll(db, sql: "SELECT sha256 FROM images WHERE sha256 IN (\(marks))",
                                arguments: StatementArguments(chunk))
        }
        guard let preprocessHash else { return (images, []) }
        let tensors = try chunked(hashes) { chunk, marks in
            try String.fetchAll(db, sql: """
                SELECT image_sha256 FROM image_tensors WHERE preprocess_hash = ? AND image_sha256 IN (\(marks))
                """, arguments: StatementArguments([preprocessHash] + chunk))
        }
        return (images, tensors)
    }

    /// Runs an `IN (?, …)` query over `values` in chunks of 500, below SQLite's bound-parameter limit whatever
    /// the batch size, and unions the results.
    private static func chunked(_ values: [String], _ query: ([String], String) throws -> [String]) throws -> Set<String> {
        var found = Set<String>()
        for start in stride(from: 0, to: values.count, by: 500) {
            let chunk = Array(values[start..<min(start + 500, values.count)])
            found.formUnion(try query(chunk, Array(repeating: "?", count: chunk.count).joined(separator: ",")))
        }
        return found
    }

    /// Writes one batch. Returns (examples stored, rows that turned out to be duplicates, new images).
    static func commit(_ db: Database, batch: IngestBatch, datasetID: Int64, manifestID: Int64, file: String,
                       preprocessHash: String?) throws -> (stored: Int, duplicates: Int, newImages: Int) {
        let now = Store.now()
        var newImages = 0
        for image in batch.images {
            try db.execute(sql: """
                INSERT OR IGNORE INTO images (sha256, format, width, height, byte_count, bytes, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """, arguments: [image.sha256, image.format.rawValue, image.width, image.height, image.bytes.count,
                                 Data(image.bytes), now])
            newImages += db.changesCount
            if let pixels = image.cachedPixels, let preprocessHash {
                try db.execute(sql: """
                    INSERT OR IGNORE INTO image_tensors (image_sha256, preprocess_hash, dtype, shape, data, created_at)
                    VALUES (?, ?, 'uint8', ?, ?, ?)
                    """, arguments: [image.sha256, preprocessHash, "[\(pixels.height),\(pixels.width),3]",
                                     Data(pixels.pixels), now])
            }
        }
        var stored = 0, duplicates = batch.duplicateLines.count
        var resolvedLines = batch.duplicateLines
        for example in batch.examples {
            let row = example.row
            try db.execute(sql: """
                INSERT OR IGNORE INTO examples (dataset_id, source_key, split, text, token_ids, image_sha256, label,
                                                score, extra_json, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [datasetID, row.sourceKey, row.split, row.text, example.tokenIds.map(Self.int32Blob),
                                 example.imageSHA256, row.label, row.score, example.extraJSON, now])
            resolvedLines.append(row.line)
            guard db.changesCount == 1 else {
                duplicates += 1
                continue
            }
            stored += 1
            let exampleID = db.lastInsertedRowID
            for feature in row.features {
                try db.execute(sql: "INSERT INTO example_features (example_id, name, shape, data) VALUES (?, ?, ?, ?)",
                               arguments: [exampleID, feature.name, StoredExample.shape(feature.shape),
                                           Self.float32Blob(feature.values)])
            }
        }
        for line in resolvedLines {
            try db.execute(sql: "DELETE FROM quarantine WHERE dataset_id = ? AND file = ? AND line = ?",
                           arguments: [datasetID, file, line])
        }
        for (line, problem) in batch.problems {
            try db.execute(sql: """
                INSERT INTO quarantine (dataset_id, file, line, field, reason, created_at) VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT (dataset_id, file, line) DO UPDATE SET field = excluded.field, reason = excluded.reason
                """, arguments: [datasetID, file, line, problem.field, problem.reason, now])
        }
        try db.execute(sql: """
            UPDATE manifests SET rows_stored = rows_stored + ?,
                rows_quarantined = (SELECT COUNT(*) FROM quarantine WHERE dataset_id = ? AND file = ?)
            WHERE id = ?
            """, arguments: [stored, datasetID, file, manifestID])
        return (stored, duplicates, newImages)
    }

    /// Marks the manifest complete and records an `ingest` event with the summary.
    static func finish(_ db: Database, manifestID: Int64, summary: IngestSummary) throws {
        try db.execute(sql: """
            UPDATE manifests SET completed_at = ?,
                rows_duplicate = MAX(0, rows_total - rows_stored - rows_quarantined)
            WHERE id = ?
            """, arguments: [Store.now(), manifestID])
        try db.execute(sql: "INSERT INTO events (run_id, level, kind, message, created_at) VALUES (NULL, ?, 'ingest', ?, ?)",
                       arguments: [summary.quarantined > 0 ? "warning" : "info", summary.description, Store.now()])
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

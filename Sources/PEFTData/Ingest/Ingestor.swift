import Foundation
import PEFTCLIP
import PEFTStore

/// Settings of one ingest.
public struct IngestOptions: Sendable {
    /// Which manifest fields hold what.
    public var mapping: FieldMapping
    /// Manifest layout; nil → from the file extension.
    public var format: ManifestFormat?
    /// Directory image paths are relative to; nil → the manifest's directory.
    public var imageRoot: URL?
    /// Worker threads for reading, hashing, decoding and tokenizing.
    public var threads: Int
    /// Rows per transaction: a crash loses at most one batch of work, never consistency.
    public var batchSize: Int
    /// When set, each new image's resized + cropped uint8 pixels are cached in `image_tensors` under
    /// `preprocessor.cacheKey` (≈ 150 KB per image at 224 px), and images are decoded with its options.
    public var pixelCache: CLIPPreprocessor?
    /// Decode settings used when `pixelCache` is nil (strict by default).
    public var decodeOptions: ImageDecodeOptions
    /// Images with more pixels than this are quarantined, whatever `decodeOptions` says: each of `threads`
    /// decoders needs ≈ `ImageDecodeOptions.bytesPerPixel` bytes per pixel (`defaultMaxPixels(threads:)`).
    public var maxPixels: Int

    public init(mapping: FieldMapping = FieldMapping(), format: ManifestFormat? = nil, imageRoot: URL? = nil,
                threads: Int = ProcessInfo.processInfo.activeProcessorCount, batchSize: Int = 128,
                pixelCache: CLIPPreprocessor? = nil, decodeOptions: ImageDecodeOptions = ImageDecodeOptions(),
                maxPixels: Int? = nil) {
        self.mapping = mapping
        self.format = format
        self.imageRoot = imageRoot
        self.threads = threads
        self.batchSize = batchSize
        self.pixelCache = pixelCache
        self.decodeOptions = decodeOptions
        self.maxPixels = maxPixels ?? Self.defaultMaxPixels(threads: threads)
    }

    /// The most pixels one `threads`-thread ingest decodes per image by default: 40 000 000 (a 7 300 × 5 500
    /// photo; ≈ 320 MB per decoding thread), or less when a quarter of physical memory cannot hold `threads`
    /// decodes at `ImageDecodeOptions.bytesPerPixel` bytes per pixel; never below 1 000 000.
    public static func defaultMaxPixels(threads: Int,
                                        physicalMemory: UInt64 = ProcessInfo.processInfo.physicalMemory) -> Int {
        let budget = physicalMemory / 4 / UInt64(max(threads, 1)) / UInt64(ImageDecodeOptions.bytesPerPixel)
        return Int(min(40_000_000, max(1_000_000, budget)))
    }
}

/// Ingests a manifest into the database: rows are validated, images read, hashed (content-addressed, stored once),
/// decoded in parallel and optionally pixel-cached, texts tokenized, and everything committed in batches of one
/// transaction each. Bad rows go to `quarantine` with file, line, field and reason; the rest is stored.
///
/// Re-ingesting adds nothing (examples are unique per dataset and source key; images per hash); an ingest killed at
/// any point leaves only whole batches, and running it again completes it. Quarantined rows are retried on every
/// run and their entry removed once they succeed.
public struct Ingestor: Sendable {
    public let store: Store
    /// Tokenizes texts into `examples.token_ids`; nil stores no token ids.
    public let tokenizer: CLIPTokenizer?

    public init(store: Store, tokenizer: CLIPTokenizer?) {
        self.store = store
        self.tokenizer = tokenizer
    }

    /// Ingests `manifestURL` into dataset `name` (created if new).
    /// - Parameter progress: called after each committed batch (from the calling thread); throwing from it stops
    ///   the ingest after that batch (everything committed so far stays, and a later run completes the rest).
    /// - Throws: `DataError` for an unreadable manifest, `StoreError` for database failures, or what `progress` threw.
    public func ingest(dataset name: String, manifest manifestURL: URL, options: IngestOptions = IngestOptions(),
                       progress: ((IngestProgress) throws -> Void)? = nil) throws -> IngestSummary {
        let start = Date()
        let manifestURL = manifestURL.standardizedFileURL
        let manifest = try Manifest.read(manifestURL, format: options.format)
        let root = ImageRoot(options.imageRoot ?? manifestURL.deletingLastPathComponent())
        let mapping = options.mapping
        let (datasetID, manifestID) = try store.write { tx in
            try IngestStore.ids(tx, dataset: name, task: mapping.task, manifest: manifest)
        }
        var summary = IngestSummary(dataset: name, manifest: manifest.path, rows: manifest.rows.count, stored: 0,
                                    duplicates: 0, quarantined: 0, newImages: 0, seconds: 0)
        var seenKeys: [String: SeenRow] = [:]
        for batchStart in stride(from: 0, to: manifest.rows.count, by: max(1, options.batchSize)) {
            let rows = Array(manifest.rows[batchStart..<min(manifest.rows.count, batchStart + max(1, options.batchSize))])
            let batch = try prepare(rows, datasetID: datasetID, root: root, options: options, seenKeys: &seenKeys)
            let result = try store.write { tx in
                try IngestStore.commit(tx, batch: batch, datasetID: datasetID, manifestID: manifestID,
                                       file: manifest.path, preprocessHash: options.pixelCache?.cacheKey)
            }
            summary.stored += result.stored
            summary.duplicates += result.duplicates
            summary.quarantined += batch.problems.count
            summary.newImages += result.newImages
            try progress?(IngestProgress(done: batchStart + rows.count, total: manifest.rows.count, stored: summary.stored,
                                     duplicates: summary.duplicates, quarantined: summary.quarantined,
                                     elapsed: Date().timeIntervalSince(start)))
        }
        summary.seconds = Date().timeIntervalSince(start)
        let final = summary
        try store.write { tx in try IngestStore.finish(tx, manifestID: manifestID, summary: final) }
        return summary
    }

    /// Turns a batch of rows into what `IngestStore.commit` writes: parse → sort out repeated ids → read and
    /// hash images → decode the ones the database lacks (in parallel) → tokenize.
    ///
    /// An id seen before (earlier in this manifest, or stored by an earlier ingest) is a duplicate only when the
    /// row says the same thing; a repeated id with different content is quarantined, never silently dropped.
    private func prepare(_ rows: [ManifestRow], datasetID: Int64, root: ImageRoot, options: IngestOptions,
                         seenKeys: inout [String: SeenRow]) throws -> IngestBatch {
        var batch = IngestBatch()
        var candidates: [ParsedRow] = []
        for row in rows {
            switch ParsedRow.parse(row, mapping: options.mapping) {
            case .success(let p): candidates.append(p)
            case .failure(let problem): batch.problems.append((row.line, problem))
            }
        }
        let stored = try store.read { tx in
            try IngestStore.storedExamples(tx, datasetID: datasetID, keys: candidates.map(\.sourceKey))
        }
        var parsed: [ParsedRow] = []
        for row in candidates {
            if let earlier = seenKeys[row.sourceKey] {
                if earlier.fingerprint == row.fingerprint {
                    batch.duplicateLines.append(row.line)
                } else {
                    batch.problems.append((row.line, RowProblem(field: options.mapping.id, reason:
                        "id '\(StoredExample.shown(row.sourceKey))' is also used by line \(earlier.line) with different "
                            + "content; give each example its own id (or remove one of the two rows)")))
                }
                continue
            }
            seenKeys[row.sourceKey] = SeenRow(line: row.line, fingerprint: row.fingerprint)
            parsed.append(row)
        }

        // Read and hash every referenced file (I/O bound, parallel).
        let loaded = ParallelMap.map(parsed.count, threads: options.threads) { [parsed] i in
            ImageFiles.load(parsed[i], root: root, imageField: options.mapping.image ?? "image")
        }
        let hashes = Array(Set(loaded.compactMap { try? $0.get() }.flatMap { $0.all.map(\.sha256) }))
        let preprocessHash = options.pixelCache?.cacheKey
        let known = try store.read { tx in
            try IngestStore.existingImages(tx, hashes: hashes, preprocessHash: preprocessHash)
        }

        // Decode each distinct image of a new row the database lacks (or lacks a cache entry for), once.
        var toDecode: [String: LoadedFile] = [:]
        for (i, result) in loaded.enumerated() where stored[parsed[i].sourceKey] == nil {
            guard case .success(let files) = result else { continue }
            for file in files.all where !known.images.contains(file.sha256)
                || (preprocessHash != nil && !known.tensors.contains(file.sha256)) {
                toDecode[file.sha256] = file
            }
        }
        let pending = Array(toDecode.values).sorted { $0.sha256 < $1.sha256 }
        var chosen = options.pixelCache?.decodeOptions ?? options.decodeOptions
        chosen.maxPixels = options.maxPixels
        let decodeOptions = chosen
        let cache = options.pixelCache
        let decoded = ParallelMap.map(pending.count, threads: options.threads) { i in
            ImageFiles.decode(pending[i], options: decodeOptions, cache: cache)
        }
        var failures: [String: String] = [:]
        for (file, result) in zip(pending, decoded) {
            switch result {
            case .success(let image): batch.images.append(image)
            case .failure(let error): failures[file.sha256] = "\(file.path): \(error.description)"
            }
        }

        let tokenizer = self.tokenizer
        let tokens = ParallelMap.map(parsed.count, threads: options.threads) { [parsed, stored] i in
            stored[parsed[i].sourceKey] != nil ? nil
                : parsed[i].text.flatMap { text in tokenizer?.encode(text).map { Int32($0) } }
        }
        for (i, row) in parsed.enumerated() {
            if let existing = stored[row.sourceKey] {
                let files = try? loaded[i].get()
                let differences = existing.differences(from: row, files: files)
                if differences.isEmpty {
                    batch.duplicateLines.append(row.line)
                } else {
                    batch.problems.append((row.line, RowProblem(field: options.mapping.id, reason:
                        "id '\(StoredExample.shown(row.sourceKey))' is already stored (by an earlier ingest) with "
                            + "different \(differences.joined(separator: ", ")); give the changed example a new id, "
                            + "or ingest it into a new dataset")))
                }
                continue
            }
            switch loaded[i] {
            case .failure(let problem):
                batch.problems.append((row.line, problem))
            case .success(let files):
                if let bad = files.all.first(where: { failures[$0.sha256] != nil }) {
                    batch.problems.append((row.line, RowProblem(field: bad.field, reason: failures[bad.sha256] ?? "")))
                    continue
                }
                batch.examples.append(ReadyExample(row: row, tokenIds: tokens[i], imageSHA256: files.main?.sha256,
                                                   extraJSON: StoredExample.extraJSON(row, files: files)))
            }
        }
        return batch
    }
}

/// The first row of a manifest that used an id, to tell a repeated row from a conflicting one.
struct SeenRow: Sendable {
    var line: Int
    var fingerprint: String
}

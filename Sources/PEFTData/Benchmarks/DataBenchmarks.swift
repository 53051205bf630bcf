import Foundation
import PEFTStore

/// One benchmark figure.
public struct DataBenchmarkResult: Sendable, Equatable {
    /// What was measured, e.g. "decode + preprocess (224 px)".
    public var name: String
    /// The figure.
    public var value: Double
    /// Its unit, e.g. "images/s" or "bytes/image".
    public var unit: String
    /// How it was measured (files, threads, repeats).
    public var detail: String
}

/// Throughput of the data pipeline: decode + CLIP preprocessing, ingest, and feature-cache footprint.
/// Used by `peftlab preprocess --bench`; `scripts/data/bench_pillow.py` times Pillow + CLIPImageProcessor on the
/// same files for comparison.
public enum DataBenchmarks {
    /// Decode + preprocess every file (bytes already in memory, so disk I/O is excluded) on `threads` threads,
    /// `repeats` times; reports the best pass in images per second.
    public static func preprocess(files: [URL], preprocessor: CLIPPreprocessor, threads: Int, repeats: Int = 3) throws
        -> DataBenchmarkResult
    {
        let images = try files.map { url -> [UInt8] in
            do { return [UInt8](try Data(contentsOf: url)) } catch {
                throw DataError.io(path: url.path, reason: "cannot read image (\(error.localizedDescription))")
            }
        }
        var best = Double.infinity
        for _ in 0..<max(1, repeats) {
            let start = Date()
            let results = ParallelMap.map(images.count, threads: threads) { i in
                (try? preprocessor.preprocess(images[i]))?.values.count ?? 0
            }
            best = min(best, Date().timeIntervalSince(start))
            precondition(results.count == images.count, "DataBenchmarks.preprocess: lost results")
        }
        let mode = preprocessor.decodeOptions.jpegMinimumShortEdge == nil ? "exact" : "fast-decode"
        return DataBenchmarkResult(name: "decode + preprocess (\(preprocessor.config.cropHeight) px, \(mode))",
                                   value: Double(images.count) / best, unit: "images/s",
                                   detail: "\(images.count) files, \(threads) threads, best of \(max(1, repeats))")
    }

    /// Ingests a generated `sarcasm` dataset of `examples` rows into a fresh temporary database (no tokenizer,
    /// no pixel cache unless given) and reports images stored per second.
    public static func ingest(examples: Int, threads: Int, pixelCache: CLIPPreprocessor? = nil) throws -> DataBenchmarkResult {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("peftlab-bench-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let made = try BuiltinDatasets.make("sarcasm", into: dir.appendingPathComponent("data"), seed: 1,
                                            examples: examples)
        let store = try Store(path: dir.appendingPathComponent("bench.db").path)
        var options = IngestOptions(threads: threads, pixelCache: pixelCache)
        options.mapping.label = "label"
        let summary = try Ingestor(store: store, tokenizer: nil).ingest(dataset: "bench", manifest: made.manifest,
                                                                         options: options)
        return DataBenchmarkResult(name: "ingest (read, hash, decode, store\(pixelCache == nil ? "" : ", pixel cache"))",
                                   value: Double(summary.newImages) / summary.seconds, unit: "images/s",
                                   detail: "\(summary.newImages) images of 64-200 px, \(threads) threads")
    }

    /// Bytes one cached image costs in the database file (payload + key + page overhead) for hidden states of
    /// `shape` (ViT-B/32: [50, 768]), measured by writing `count` entries.
    public static func featureCacheBytes(shape: [Int] = [50, 768], count: Int = 64) throws -> DataBenchmarkResult {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("peftlab-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = try Store(path: dir.appendingPathComponent("features.db").path)
        let before = try fileBytes(store)
        var rng = SplitMix64(seed: 3)
        let cache = FeatureCache(store: store)
        let values = (0..<shape.reduce(1, *)).map { _ in Float(rng.gaussian()) }
        try cache.save((0..<count).map { i in
            (FeatureKey(backboneHash: "bench", tower: .vision, layer: 6, preprocessHash: "p",
                        inputHash: SHA256.hexDigest("image \(i)")), shape, values)
        })
        let perImage = Double(try fileBytes(store) - before) / Double(count)
        return DataBenchmarkResult(name: "feature cache, float16 \(shape)", value: perImage, unit: "bytes/image",
                                   detail: "payload \(FeatureCache.bytesPerEntry(shape: shape)) B + key and pages, "
                                       + "\(count) entries")
    }

    /// The size of the store's database file with its write-ahead log folded in (`Store.checkpoint`). The store is
    /// a fresh file, so it has no free pages and its size is the pages in use.
    private static func fileBytes(_ store: Store) throws -> Int {
        try store.checkpoint()
        let attributes = try FileManager.default.attributesOfItem(atPath: store.path)
        return (attributes[.size] as? NSNumber)?.intValue ?? 0
    }
}

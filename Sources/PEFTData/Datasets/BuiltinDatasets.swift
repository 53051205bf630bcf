import Foundation
import PEFTStore

/// How many examples a built-in dataset has: `small` (the quickstart's: 600–2 000 task rows) or `large` (10×).
public enum BuiltinDatasetSize: String, Sendable, CaseIterable, Codable {
    case small
    case large

    /// Multiplier applied to each dataset's small example count.
    var scale: Int { self == .small ? 1 : 10 }
}

/// What `BuiltinDatasets.make` wrote to disk.
public struct MadeDataset: Sendable, Equatable {
    /// The same dataset at `directory` (where the staging directory it was written in was renamed to).
    func moved(to directory: URL) -> MadeDataset {
        MadeDataset(name: name, directory: directory, manifest: directory.appendingPathComponent("manifest.jsonl"),
                    examples: examples, images: images, splits: splits, positives: positives, ingestFlags: ingestFlags)
    }

    /// Dataset name (`sarcasm`, `sentiment`, `dialog`).
    public let name: String
    /// The output directory (images under `images/`).
    public let directory: URL
    /// `manifest.jsonl` inside `directory`.
    public let manifest: URL
    /// Manifest rows written.
    public let examples: Int
    /// Image files written.
    public let images: Int
    /// Rows per split.
    public let splits: [String: Int]
    /// Rows with label 1 (binary datasets only).
    public let positives: Int?
    /// The `peftlab ingest` flags this manifest needs beyond `NAME --manifest FILE --images DIR`.
    public let ingestFlags: [String]

    /// The field mapping those flags describe (for ingesting from code).
    public var mapping: FieldMapping {
        var mapping = FieldMapping()
        var i = 0
        while i + 1 < ingestFlags.count {
            let value = ingestFlags[i + 1]
            switch ingestFlags[i] {
            case "--label-field": mapping.label = value
            case "--score-field": mapping.score = value
            case "--split-field": mapping.split = value
            case "--feature-field": mapping.features.append(value)
            case "--extra-image-field": mapping.extraImages.append(value)
            default: break
            }
            i += 2
        }
        return mapping
    }
}

/// The datasets PEFTLab can generate with no downloads: procedurally drawn JPEG/PNG files of varied sizes plus a
/// JSONL manifest, ingested through the same path as user data. Deterministic: the same name, size and seed give
/// byte-identical files.
///
/// - `sarcasm`: image + caption posts; label 1 (sarcastic) when the caption's sentiment contradicts the scene's
///   (a bright sunny scene vs a dark stormy one), so text-only and image-only models stay at chance (~44 % positive).
/// - `sentiment`: utterance + face image + an 8 × 16 synthetic "audio" feature sequence; a score in [-3, 3] that
///   sums independent text, face and audio contributions, plus a 7-class label `round(score) + 3`.
/// - `dialog`: 2–4-turn dialogues, each with the image to be shared next and four hard-negative distractor images
///   (same object or colour or place), for text → image retrieval.
/// - `captions`: the pretraining corpus of PEFTLab's own CLIP (`CaptionCorpus`): scenes with captions naming their
///   objects, colour, count, position and backdrop; disjoint from the three task datasets.
public enum BuiltinDatasets {
    /// The task datasets (what the quickstart ingests and experiments train on).
    public static let names = ["sarcasm", "sentiment", "dialog"]

    /// The image–caption corpus `peftlab backbone pretrain` trains on; not a task dataset.
    public static let corpusName = "captions"

    /// Examples in the small size of each dataset (large is 10×): task sets big enough that 3-seed means separate
    /// methods; the corpus at the tiny backbone's pretraining size (its last 1 000 rows are the held-out test pairs).
    public static let smallCounts = ["sarcasm": 2_000, "sentiment": 1_500, "dialog": 600, corpusName: 12_000]

    /// What a directory written by `make` holds; a directory with anything else in it is never replaced.
    public static let writtenEntries: Set<String> = ["images", "manifest.jsonl", "README.txt"]

    /// Generates dataset `name` into `directory`. The files are written to a temporary directory beside it and
    /// renamed into place (`AtomicDirectory`), so `directory` holds either the previous complete dataset or the new
    /// one, even if the process is killed; an earlier `make` output there is replaced, an empty directory is used.
    /// `examples` overrides the size's example count. Cost (small): ≈ 2 000–3 000 images of 64–200 px, a few seconds
    /// on one core.
    /// - Throws: `DataError.unknownDataset`, `.badArgument` for a count below 1, `.io` when files cannot be
    ///   written or `directory` holds files `make` did not write.
    public static func make(_ name: String, into directory: URL, size: BuiltinDatasetSize = .small,
                            seed: UInt64 = 0, examples: Int? = nil) throws -> MadeDataset {
        guard let small = smallCounts[name] else { throw DataError.unknownDataset(name: name, known: names + [corpusName]) }
        let count = examples ?? small * size.scale
        guard count >= 1 else { throw DataError.badArgument(name: "examples", expected: "at least 1", found: "\(count)") }
        try checkReplaceable(directory)
        var made: MadeDataset?
        do {
            try AtomicDirectory.write(to: directory, existing: .replace) { staging in
                var writer = try DatasetWriter(name: name, directory: staging, seed: seed)
                switch name {
                case "sarcasm": try SarcasmDataset.generate(&writer, count: count)
                case "sentiment": try SentimentDataset.generate(&writer, count: count)
                case corpusName: try CaptionCorpus.generate(&writer, count: count)
                default: try DialogDataset.generate(&writer, count: count)
                }
                made = try writer.finish()
            }
        } catch let error as FileError {
            throw DataError.io(path: error.path, reason: "cannot write the dataset: \(error.reason)")
        }
        guard let made else { throw DataError.io(path: directory.path, reason: "nothing was generated") }
        return made.moved(to: directory.standardizedFileURL)
    }

    /// Throws unless `directory` is absent, empty, or holds only what `make` writes (so replacing it loses nothing).
    private static func checkReplaceable(_ directory: URL) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory) else { return }
        guard isDirectory.boolValue else {
            throw DataError.io(path: directory.path, reason: "exists and is not a directory; give a new --out directory")
        }
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        let foreign = entries.filter { !writtenEntries.contains($0) }
        if !foreign.isEmpty {
            throw DataError.io(path: directory.path, reason: "holds \(foreign.count) files or folders that "
                                + "`datasets make` did not write (e.g. '\(foreign.sorted()[0])'); give an empty or new "
                                + "--out directory, or one written by `datasets make`")
        }
    }
}

/// Accumulates images and manifest rows for a generator and writes `manifest.jsonl` + `README.txt`.
struct DatasetWriter {
    let name: String
    let directory: URL
    var rng: SplitMix64
    private(set) var rows: [[String: Any]] = []
    private(set) var imageCount = 0
    var ingestFlags: [String] = []
    var readme = ""

    init(name: String, directory: URL, seed: UInt64) throws {
        self.name = name
        self.directory = directory
        // Different datasets get unrelated streams for the same user seed.
        rng = SplitMix64(seed: seed ^ SHA256.hash(Array(name.utf8)).prefix(8).reduce(0) { $0 << 8 | UInt64($1) })
        do {
            try FileManager.default.createDirectory(at: directory.appendingPathComponent("images"),
                                                    withIntermediateDirectories: true)
        } catch {
            throw DataError.io(path: directory.path, reason: "cannot create the dataset directory (\(error))")
        }
    }

    /// Writes `image` as `images/<stem>.jpg` (≈ 75 %, quality 75–95, some progressive) or `.png` and returns the
    /// manifest path relative to the dataset directory.
    mutating func writeImage(_ image: RGBImage, stem: String) throws -> String {
        let roll = rng.int(in: 0...99)
        let bytes: [UInt8]
        let file: String
        if roll < 75 {
            bytes = try JPEGCodec.encode(image, quality: rng.int(in: 75...95), progressive: roll < 8)
            file = "images/\(stem).jpg"
        } else {
            bytes = try PNGCodec.encode(image, interlaced: roll >= 97)
            file = "images/\(stem).png"
        }
        do { try Data(bytes).write(to: directory.appendingPathComponent(file)) } catch {
            throw DataError.io(path: directory.appendingPathComponent(file).path, reason: "cannot write image (\(error))")
        }
        imageCount += 1
        return file
    }

    /// A random image size with each side in 64…200 pixels.
    mutating func imageSize() -> (width: Int, height: Int) {
        (rng.int(in: 64...200), rng.int(in: 64...200))
    }

    /// Split of the `index`-th of `count` rows after a seeded shuffle: 70 % train, 15 % val, 15 % test.
    static func splits(count: Int, rng: inout SplitMix64) -> [String] {
        var order = Array(0..<count)
        order.shuffle(using: &rng)
        var result = [String](repeating: "train", count: count)
        for (rank, index) in order.enumerated() {
            result[index] = rank < count * 70 / 100 ? "train" : (rank < count * 85 / 100 ? "val" : "test")
        }
        return result
    }

    mutating func append(_ row: [String: Any]) { rows.append(row) }

    func finish() throws -> MadeDataset {
        let manifest = directory.appendingPathComponent("manifest.jsonl")
        var text = ""
        for row in rows {
            let data = try JSONSerialization.data(withJSONObject: row, options: [.sortedKeys, .withoutEscapingSlashes])
            text += String(decoding: data, as: UTF8.self) + "\n"
        }
        do {
            try Data(text.utf8).write(to: manifest)
            try Data(readme.utf8).write(to: directory.appendingPathComponent("README.txt"))
        } catch {
            throw DataError.io(path: manifest.path, reason: "cannot write the manifest (\(error))")
        }
        var splits: [String: Int] = [:]
        for row in rows { splits[row["split"] as? String ?? "train", default: 0] += 1 }
        let labels = rows.compactMap { $0["label"] as? Int }
        let binary = !labels.isEmpty && labels.allSatisfy { $0 == 0 || $0 == 1 }
        return MadeDataset(name: name, directory: directory, manifest: manifest, examples: rows.count,
                           images: imageCount, splits: splits, positives: binary ? labels.filter { $0 == 1 }.count : nil,
                           ingestFlags: ingestFlags)
    }
}

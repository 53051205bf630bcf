import ArgumentParser
import Foundation
import PEFTCLIP
import PEFTData
import PEFTReports
import PEFTStore

extension PEFTLab {
    /// `peftlab ingest`: load a manifest and its images into a dataset.
    struct Ingest: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Ingest a manifest (JSONL, CSV/TSV or MMSD2.0 JSON) and its images into a dataset.",
            discussion: """
                Images are stored once, addressed by the SHA-256 of their bytes; texts are tokenized with CLIP's BPE; \
                with --backbone, resized + cropped pixels are cached for its preprocessing. Bad rows (missing, corrupt or \
                unsupported image, missing field, bad label, path outside --images) go to the `quarantine` table \
                with file, line and reason; the rest is stored. Re-running adds nothing new, and a run that was \
                killed resumes where its last committed batch ended.

                Examples:
                  peftlab datasets make sarcasm --out data/sarcasm
                  peftlab ingest sarcasm --manifest data/sarcasm/manifest.jsonl --label-field label
                  peftlab ingest mmsd --manifest text_json_final/train.json --images dataset_image
                  peftlab ingest mosi --manifest mosi.csv --score-field score --feature-field audio
                  peftlab sql "SELECT line, field, reason FROM quarantine"
                """)

        @OptionGroup var database: DatabaseOptions

        @Argument(help: "Dataset name (created if new).")
        var name: String

        @Option(help: ArgumentHelp("Manifest file: .jsonl, .csv, .tsv, or an MMSD2.0 .json array.", valueName: "file"))
        var manifest: String

        @Option(help: ArgumentHelp("Directory image paths are relative to (default: the manifest's directory).",
                                   valueName: "dir"))
        var images: String?

        @Option(help: "Manifest layout when the file extension does not say: jsonl, csv, tsv, mmsd2 or photochat.")
        var format: String?

        @Option(help: "Field with a stable row id (default: id; image_id for mmsd2; else a hash of the row).")
        var idField: String?

        @Option(help: "Field with the text (default: text).")
        var textField: String?

        @Option(help: "Field with the image path (default: image; image_id for mmsd2).")
        var imageField: String?

        @Option(help: "Field with the class label: an index, a boolean, or a name from --label-names (mmsd2: label).")
        var labelField: String?

        @Option(help: "Field with a real-valued regression target.")
        var scoreField: String?

        @Option(help: "Field with the split name (default: split; rows without one go to 'train').")
        var splitField: String?

        @Option(help: "Field with an extra modality sequence [[...], ...] stored as a feature (repeatable).")
        var featureField: [String] = []

        @Option(help: "Field with further image paths (one or a list), e.g. retrieval distractors (repeatable).")
        var extraImageField: [String] = []

        @Option(help: ArgumentHelp("Class names in index order for string labels, comma-separated.", valueName: "names"))
        var labelNames: String?

        @Option(help: ArgumentHelp("File name pattern for image values, '{}' replaced by the value (mmsd2: {}.jpg).",
                                   valueName: "pattern"))
        var imagePattern: String?

        @Flag(help: "The manifest has no text field.")
        var noText = false

        @Flag(help: "The manifest has no image field (text-only dataset).")
        var noImage = false

        @Option(help: ArgumentHelp("Backbone directory: its vocab.json/merges.txt tokenize the texts and its "
                                   + "preprocessor_config.json sets the cached pixels (default: OpenAI CLIP, 224 px).",
                                   valueName: "dir"))
        var backbone: String?

        @Flag(inversion: .prefixedNo, help: ArgumentHelp(
            "Cache each image's resized + cropped pixels for the backbone's preprocessing (≈ 150 KB at 224 px). "
            + "Default: on with --backbone; otherwise pixels are cached lazily when training first reads them."))
        var cachePixels: Bool?

        @Flag(help: "Accept truncated or slightly corrupt images that libjpeg/libpng can salvage (default: strict).")
        var lenient = false

        @Option(help: AlphaPolicy.help)
        var alpha = AlphaPolicy.compositeOnWhite

        @Option(help: ArgumentHelp(
            "Quarantine images with more pixels than this (default: 40000000, less when a quarter of memory cannot "
                + "hold --threads decodes at 8 bytes per pixel).", valueName: "N"))
        var maxPixels: Int?

        @Option(help: "Worker threads for reading, hashing, decoding and tokenizing.")
        var threads = ProcessInfo.processInfo.activeProcessorCount

        @Option(help: "Rows per committed transaction.")
        var batchSize = 128

        func validate() throws {
            if let format, ManifestFormat(rawValue: format) == nil {
                throw ValidationError("--format must be jsonl, csv, tsv, mmsd2 or photochat (got '\(format)').")
            }
            guard threads >= 1 else { throw ValidationError("--threads must be at least 1 (got \(threads)).") }
            guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1 (got \(batchSize)).") }
            if let maxPixels, maxPixels < 1 { throw ValidationError("--max-pixels must be at least 1 (got \(maxPixels)).") }
            if noImage && (imageField != nil || !extraImageField.isEmpty || imagePattern != nil) {
                throw ValidationError("--no-image cannot be combined with --image-field, --extra-image-field or --image-pattern.")
            }
            if noText && textField != nil {
                throw ValidationError("--no-text cannot be combined with --text-field.")
            }
        }

        func run() throws {
            let manifestURL = URL(fileURLWithPath: manifest)
            let layout = format.flatMap(ManifestFormat.init(rawValue:))
                ?? ManifestFormat(pathExtension: manifestURL.pathExtension) ?? .jsonl
            var options = IngestOptions(format: format.flatMap(ManifestFormat.init(rawValue:)),
                                        imageRoot: images.map { URL(fileURLWithPath: $0) },
                                        threads: threads, batchSize: batchSize,
                                        decodeOptions: ImageDecodeOptions(strict: !lenient, alpha: alpha),
                                        maxPixels: maxPixels)
            options.mapping = mapping(for: layout)
            let backboneURL = backbone.map { URL(fileURLWithPath: $0) }
            if cachePixels ?? (backbone != nil), !noImage {
                let config = try backboneURL.map { try CLIPPreprocessConfig.read($0) } ?? CLIPPreprocessConfig()
                options.pixelCache = CLIPPreprocessor(config: config, alpha: alpha, strict: !lenient)
            }
            let tokenizer: CLIPTokenizer? = noText ? nil : try backboneURL
                .flatMap { FileManager.default.fileExists(atPath: $0.appendingPathComponent("vocab.json").path) ? $0 : nil }
                .map { try CLIPTokenizer(directory: $0) } ?? CLIPTokenizer.bundled()
            let store = try database.open(create: true)
            let board = ProgressBoard()
            let summary = try Ingestor(store: store, tokenizer: tokenizer)
                .ingest(dataset: name, manifest: manifestURL, options: options) { progress in
                    board.update(name, ProgressBoard.bar(label: name, done: progress.done, total: progress.total,
                                                         elapsed: progress.elapsed,
                                                         detail: "\(progress.quarantined) quarantined"))
                }
            board.close()
            printOut(summary.description + "\n")
            if summary.quarantined > 0 {
                FileHandle.standardError.write(Data("""
                    \(summary.quarantined) rows quarantined; see them with:
                      peftlab sql "SELECT line, field, reason FROM quarantine q JOIN datasets d ON d.id = q.dataset_id WHERE d.name = '\(name)'"

                    """.utf8))
            }
        }

        /// The field mapping the flags describe, on top of the layout's defaults.
        private func mapping(for layout: ManifestFormat) -> FieldMapping {
            var mapping = FieldMapping.defaults(for: layout)
            if let idField { mapping.id = idField }
            if let textField { mapping.text = textField }
            if noText { mapping.text = nil }
            if let imageField { mapping.image = imageField }
            if noImage { mapping.image = nil }
            if let labelField { mapping.label = labelField }
            if let scoreField { mapping.score = scoreField }
            if let splitField { mapping.split = splitField }
            mapping.features = featureField
            mapping.extraImages = extraImageField
            if let labelNames {
                mapping.labelNames = labelNames.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            }
            if let imagePattern { mapping.imagePattern = imagePattern }
            return mapping
        }
    }
}

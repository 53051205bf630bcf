import ArgumentParser
import Foundation
import PEFTCLIP
import PEFTData
import PEFTMethods
import PEFTOrchestrator
import PEFTStore

/// `peftlab embed`: CLIP embeddings of images and texts, one JSON object per input on standard output.
struct Embed: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print CLIP embeddings of images and texts, one JSON object per line.",
        discussion: """
            Each line is {"kind":"image"|"text","input":…,"tokens":[…],"embedding":[…]} (tokens for texts only), \
            images first, then texts, each in the order given. The backbone directory holds config.json, \
            model.safetensors, vocab.json, merges.txt and preprocessor_config.json (transformers' layout).

            Example:
              peftlab embed --backbone peftlab-quickstart/backbone --text "a sunny beach" --image photo.jpg --normalize
              peftlab embed --backbone clip-b32 --adapter adapters/run-7 --text "what a lovely day"
            """)

    @Option(help: ArgumentHelp("The CLIP backbone directory, or peftlab:tiny / peftlab:small (PEFTLab's own, beside --db).",
                               valueName: "dir"))
    var backbone: String

    @OptionGroup var database: DatabaseOptions

    @Option(name: .customLong("image"), help: ArgumentHelp("An image file (JPEG or PNG); repeatable.", valueName: "path"))
    var images: [String] = []

    @Option(name: .customLong("text"), help: ArgumentHelp("A text to embed; repeatable.", valueName: "string"))
    var texts: [String] = []

    @Option(name: .customLong("texts-file"), help: ArgumentHelp("A UTF-8 file with one text per line.", valueName: "file"))
    var textsFile: String?

    @Option(help: ArgumentHelp("A Hugging Face PEFT adapter directory (LoRA or IA3) to apply to the backbone.", valueName: "dir"))
    var adapter: String?
    @Option(help: AlphaPolicy.help)
    var alpha = AlphaPolicy.compositeOnWhite

    @Flag(help: "L2-normalise every embedding.")
    var normalize = false

    @Option(help: "Inputs per forward pass.")
    var batchSize = 32

    func validate() throws {
        if images.isEmpty && texts.isEmpty && textsFile == nil {
            throw ValidationError("Nothing to embed: give at least one --image, --text or --texts-file.")
        }
        guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1 (got \(batchSize)).") }
    }

    func run() throws {
        try requireBLAS()
        let directory = try BackboneReference.resolve(backbone, storePath: database.resolvedPath)
        let backbone = try CLIPBackbone.load(from: directory)
        if let adapter {
            let adapterDirectory = URL(fileURLWithPath: adapter)
            try PEFTAdapter.load(from: adapterDirectory).apply(to: backbone.model, path: adapterDirectory.path)
        }
        let embedder = CLIPEmbedder(backbone: backbone, batchSize: batchSize)
        if !images.isEmpty {
            let preprocessor = CLIPPreprocessor(config: try preprocessConfig(directory, embedder.backbone), alpha: alpha)
            for start in stride(from: 0, to: images.count, by: batchSize) {
                let chunk = try images[start ..< min(start + batchSize, images.count)].map { path in
                    (input: path, pixels: try EmbedInput.pixels(path, preprocessor).tensor)
                }
                emit(embedder.embed(images: chunk, normalize: normalize))
            }
        }
        var allTexts = texts
        if let textsFile { allTexts += try EmbedInput.lines(textsFile) }
        emit(embedder.embed(texts: allTexts, normalize: normalize))
    }

    /// PEFTData's preprocessing settings from the backbone's file, or OpenAI's at the model's size when absent.
    private func preprocessConfig(_ directory: URL, _ backbone: CLIPBackbone) throws -> CLIPPreprocessConfig {
        let file = directory.appendingPathComponent("preprocessor_config.json")
        guard FileManager.default.fileExists(atPath: file.path) else {
            return CLIPPreprocessConfig(side: backbone.model.config.vision.imageSize)
        }
        return try CLIPPreprocessConfig.read(file)
    }

    private func emit(_ records: [CLIPEmbedding]) {
        printOut(records.map { $0.jsonLine + "\n" }.joined())
    }
}

/// Reading `embed`'s inputs, with errors that name the file.
enum EmbedInput {
    /// A file `embed` could not use.
    struct Failure: Error, CustomStringConvertible {
        let path: String
        let reason: String
        var description: String { "\(path): \(reason)" }
    }

    static func pixels(_ path: String, _ preprocessor: CLIPPreprocessor) throws -> PixelValues {
        let data = try FileIO.read(path)
        do {
            return try preprocessor.preprocess([UInt8](data))
        } catch {
            throw Failure(path: path, reason: String(describing: error))
        }
    }

    static func lines(_ path: String) throws -> [String] {
        let data = try FileIO.read(path)
        guard let text = String(data: data, encoding: .utf8) else { throw Failure(path: path, reason: "not UTF-8 text") }
        var lines = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
            .map { $0.hasSuffix("\r") ? String($0.dropLast()) : String($0) }
        if lines.last == "" { lines.removeLast() }
        return lines
    }
}

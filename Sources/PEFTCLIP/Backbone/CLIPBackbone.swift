import Foundation
import PEFTTensor

/// A complete CLIP backbone directory in transformers' layout: the model (`config.json`, `model.safetensors`), its
/// tokenizer (`vocab.json`, `merges.txt`) and image preprocessing (`preprocessor_config.json`).
public struct CLIPBackbone: Sendable {
    /// The model.
    public let model: CLIPModel
    /// The tokenizer, truncating to the text tower's `max_position_embeddings`.
    public let tokenizer: CLIPTokenizer
    /// How images must be preprocessed for this model.
    public let preprocessor: CLIPPreprocessorConfig

    /// Bundles the three parts.
    public init(model: CLIPModel, tokenizer: CLIPTokenizer, preprocessor: CLIPPreprocessorConfig) {
        self.model = model
        self.tokenizer = tokenizer
        self.preprocessor = preprocessor
    }

    /// The files `save(to:)` writes, in the order it writes them.
    public static let fileNames = ["config.json", "model.safetensors", "vocab.json", "merges.txt",
                                   "preprocessor_config.json", "tokenizer_config.json"]

    /// Loads a backbone directory. A missing `preprocessor_config.json` defaults to OpenAI's preprocessing at the
    /// model's image size; the other four files are required.
    ///
    /// - Throws: `CheckpointError` naming the file and problem, also when the parts disagree: token ids beyond the
    ///   model's `vocab_size`, or a crop size other than the model's `image_size`.
    public static func load(from directory: URL) throws -> CLIPBackbone {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw CheckpointError.missingFile(path: directory.path)
        }
        let model = try CLIPModel.load(from: directory)
        let config = model.config
        let tokenizer = try CLIPTokenizer(directory: directory, maxLength: config.text.maxPositionEmbeddings)
        if tokenizer.tokens.count > config.text.vocabSize {
            throw CheckpointError.badConfig(
                path: directory.appendingPathComponent("config.json").path, field: "text_config.vocab_size",
                expected: "at least \(tokenizer.tokens.count), the ids vocab.json uses", found: "\(config.text.vocabSize)")
        }
        let preprocessorURL = directory.appendingPathComponent("preprocessor_config.json")
        let preprocessor = FileManager.default.fileExists(atPath: preprocessorURL.path)
            ? try CLIPPreprocessorConfig.load(from: preprocessorURL)
            : CLIPPreprocessorConfig(imageSize: config.vision.imageSize)
        if !preprocessor.doCenterCrop {
            // Resizing the shortest edge alone leaves non-square images non-square; the vision tower needs
            // image_size × image_size inputs (no interpolated position embeddings).
            throw CheckpointError.badConfig(
                path: preprocessorURL.path, field: "do_center_crop",
                expected: "true (inputs must be \(config.vision.imageSize)×\(config.vision.imageSize))", found: "false")
        }
        if preprocessor.cropHeight != config.vision.imageSize || preprocessor.cropWidth != config.vision.imageSize {
            throw CheckpointError.badConfig(
                path: preprocessorURL.path, field: "crop_size",
                expected: "\(config.vision.imageSize)×\(config.vision.imageSize), the model's image_size",
                found: "\(preprocessor.cropHeight)×\(preprocessor.cropWidth)")
        }
        return CLIPBackbone(model: model, tokenizer: tokenizer, preprocessor: preprocessor)
    }

    /// Writes all five files (plus `tokenizer_config.json` so `AutoTokenizer` truncates at the right length) into
    /// `directory`, creating it if needed. The files are written one after another: to publish a generated
    /// backbone where others may look for it, write it into `AtomicDirectory`'s staging directory (PEFTStore).
    ///
    /// - Throws: `CheckpointError.io`.
    public func save(to directory: URL) throws {
        try model.save(to: directory)
        try CLIPVocabulary.writeVocabulary(tokenizer.tokens, to: directory.appendingPathComponent("vocab.json"))
        try CLIPVocabulary.writeMerges(tokenizer.merges, to: directory.appendingPathComponent("merges.txt"))
        try preprocessor.write(to: directory.appendingPathComponent("preprocessor_config.json"))
        let tokenizerConfig: [String: Any] = [
            "tokenizer_class": "CLIPTokenizer", "model_max_length": tokenizer.maxLength,
            "bos_token": CLIPVocabulary.startOfText, "eos_token": CLIPVocabulary.endOfText,
            "unk_token": CLIPVocabulary.endOfText, "pad_token": CLIPVocabulary.endOfText,
        ]
        try writeJSON(tokenizerConfig, to: directory.appendingPathComponent("tokenizer_config.json"))
    }
}

/// Makes backbones PEFTLab generates itself (the quickstart's small CLIP, test models).
public enum CLIPBackboneFactory {
    /// A randomly initialised backbone for `config` with OpenAI CLIP's real tokenizer (bundled merges) and
    /// preprocessing at the model's image size; reproducible from `seed`.
    ///
    /// The tokenizer emits ids up to 49 407, so `config.text.vocabSize` should be 49 408 for real text.
    /// - Throws: `CheckpointError` when the bundled merges cannot be found.
    public static func makeRandom(config: CLIPConfig = .tiny(), seed: UInt64) throws -> CLIPBackbone {
        let tokenizer = try CLIPTokenizer.bundled(maxLength: config.text.maxPositionEmbeddings)
        return CLIPBackbone(model: CLIPModel.random(config: config, seed: seed), tokenizer: tokenizer,
                            preprocessor: CLIPPreprocessorConfig(imageSize: config.vision.imageSize))
    }
}

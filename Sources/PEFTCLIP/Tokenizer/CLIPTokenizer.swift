import Foundation

/// CLIP's byte-level BPE tokenizer, producing the same ids as transformers' `CLIPTokenizer` (the `tokenizers`-backed
/// one `AutoTokenizer` returns) for `vocab.json` + `merges.txt`.
///
/// Pipeline: special-token literals split out of the raw text → NFC, white-space runs → one space, lower-case →
/// CLIP's pre-tokenisation regex → UTF-8 bytes as byte-level symbols → BPE merges by rank → `<|startoftext|>` … `<|endoftext|>`,
/// truncated to `maxLength` (77) and, in batches, padded with `<|endoftext|>` to the longest row.
///
/// Thread-safe: the only mutable state is the per-word merge cache, behind a lock. Loading the full vocabulary takes
/// ≈ 0.2 s; tokenising a caption ≈ 10 µs once its words are cached.
public final class CLIPTokenizer: Sendable {
    /// Token string → id.
    public let vocabulary: [String: Int]
    /// Id → token string (index = id; ids absent from `vocabulary` are empty strings).
    public let tokens: [String]
    /// Id of `<|startoftext|>`.
    public let bosTokenId: Int
    /// Id of `<|endoftext|>`, also used for padding and unknown symbols.
    public let eosTokenId: Int
    /// Id used to pad batches (`<|endoftext|>`, as transformers' default `pad_token`).
    public let padTokenId: Int
    /// Longest encoding, special tokens included (the text tower's `max_position_embeddings`).
    public let maxLength: Int
    /// The merges in rank order (written back by `CLIPBackbone.save`).
    public let merges: [(String, String)]
    let specialScalars: [([Unicode.Scalar], Int)]
    private let encoder: BytePairEncoder

    /// Builds a tokenizer from an in-memory vocabulary and merge list.
    ///
    /// - Parameters:
    ///   - vocabulary: token → id; must hold the 512 byte symbols, every merge's parts and result, and both
    ///     special tokens.
    ///   - merges: pairs in rank order.
    ///   - maxLength: longest encoding (≥ 2).
    /// - Throws: `CheckpointError.badTokenizerFile` when the vocabulary and merges do not fit together.
    public init(vocabulary: [String: Int], merges: [(String, String)], maxLength: Int = 77,
                vocabularyPath: String = "vocab.json", mergesPath: String = "merges.txt") throws {
        precondition(maxLength >= 2, "CLIPTokenizer: maxLength \(maxLength) leaves no room for the special tokens")
        guard let bos = vocabulary[CLIPVocabulary.startOfText], let eos = vocabulary[CLIPVocabulary.endOfText] else {
            throw CheckpointError.badTokenizerFile(path: vocabularyPath, line: 0,
                                                   reason: "missing \(CLIPVocabulary.startOfText) or \(CLIPVocabulary.endOfText)")
        }
        encoder = try BytePairEncoder(vocabulary: vocabulary, mergeList: merges, vocabularyPath: vocabularyPath,
                                      mergesPath: mergesPath)
        self.vocabulary = vocabulary
        self.merges = merges
        var tokens = [String](repeating: "", count: (vocabulary.values.max() ?? -1) + 1)
        for (token, id) in vocabulary { tokens[id] = token }
        self.tokens = tokens
        bosTokenId = bos
        eosTokenId = eos
        padTokenId = eos
        self.maxLength = maxLength
        specialScalars = [(Array(CLIPVocabulary.startOfText.unicodeScalars), bos),
                          (Array(CLIPVocabulary.endOfText.unicodeScalars), eos)]
    }

    /// Loads `vocab.json` and `merges.txt` from a backbone directory.
    ///
    /// - Throws: `CheckpointError.missingFile`, `.io` or `.badTokenizerFile`.
    public convenience init(directory: URL, maxLength: Int = 77) throws {
        let vocabularyURL = directory.appendingPathComponent("vocab.json")
        let mergesURL = directory.appendingPathComponent("merges.txt")
        try self.init(vocabulary: CLIPVocabulary.readVocabulary(from: vocabularyURL),
                      merges: CLIPVocabulary.readMerges(from: mergesURL), maxLength: maxLength,
                      vocabularyPath: vocabularyURL.path, mergesPath: mergesURL.path)
    }

    /// The tokenizer of OpenAI's CLIP from the bundled merges (vocabulary rebuilt by `CLIPVocabulary.make`).
    ///
    /// - Throws: see `CLIPVocabulary.bundledMerges()`.
    public static func bundled(maxLength: Int = 77) throws -> CLIPTokenizer {
        let merges = try CLIPVocabulary.bundledMerges()
        let tokens = CLIPVocabulary.make(merges: merges)
        let vocabulary = Dictionary(uniqueKeysWithValues: tokens.enumerated().map { ($1, $0) })
        return try CLIPTokenizer(vocabulary: vocabulary, merges: merges, maxLength: maxLength)
    }

    /// Token ids of `text` without special tokens and without truncation.
    public func tokenize(_ text: String) -> [Int] {
        var ids: [Int] = []
        for segment in segments(text) {
            switch segment {
            case .special(let id):
                ids.append(id)
            case .text(let chunk):
                for piece in Self.preTokenize(Self.normalize(chunk)) {
                    var bytes: [UInt8] = []
                    for scalar in piece { bytes.append(contentsOf: UTF8.encode(scalar)!) }
                    ids.append(contentsOf: encoder.encode(bytes).map(Int.init))
                }
            }
        }
        return ids
    }

    /// `<|startoftext|>`, the first `maxLength - 2` ids of `tokenize(text)`, `<|endoftext|>`
    /// (transformers' `tokenizer(text, truncation=True, max_length=maxLength)`).
    public func encode(_ text: String, maxLength: Int? = nil) -> [Int] {
        let limit = maxLength ?? self.maxLength
        precondition(limit >= 2, "CLIPTokenizer.encode: maxLength \(limit) leaves no room for the special tokens")
        return [bosTokenId] + tokenize(text).prefix(limit - 2) + [eosTokenId]
    }

    /// Encodes a batch, padding each row with `padTokenId` to the longest row (`.longest`, transformers'
    /// `padding=True`) or to `maxLength` (`.maxLength`), with a 1/0 attention mask.
    public func encode(_ texts: [String], padding: TokenBatch.Padding = .longest, maxLength: Int? = nil) -> TokenBatch {
        let rows = texts.map { encode($0, maxLength: maxLength) }
        return TokenBatch(rows: rows, padding: padding, maxLength: maxLength ?? self.maxLength, padTokenId: padTokenId)
    }

    /// Text for `ids` as transformers decodes it: tokens joined, bytes restored, `</w>` read as a space.
    public func decode(_ ids: [Int], skipSpecialTokens: Bool = true) -> String {
        var bytes: [UInt8] = []
        for id in ids where id >= 0 && id < tokens.count {
            if skipSpecialTokens && (id == bosTokenId || id == eosTokenId) { continue }
            let token = tokens[id]
            if id == bosTokenId || id == eosTokenId {
                bytes.append(contentsOf: Array(token.utf8))
                continue
            }
            let core = token.hasSuffix(CLIPVocabulary.endOfWord) ? String(token.dropLast(4)) : token
            for scalar in core.unicodeScalars { if let byte = ByteLevel.scalarToByte[scalar] { bytes.append(byte) } }
            if token.hasSuffix(CLIPVocabulary.endOfWord) { bytes.append(UInt8(ascii: " ")) }
        }
        return String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespaces)
    }
}

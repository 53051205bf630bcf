import Foundation
import PEFTCLIP

/// GPT-2's byte-level BPE tokenizer, producing the same ids as transformers' `GPT2TokenizerFast` for
/// `vocab.json` + `merges.txt`.
///
/// Pipeline: `<|endoftext|>` literals split out of the raw text → GPT-2's pre-tokenisation regex (no normalisation,
/// no lower-casing; a leading space belongs to the word after it) → UTF-8 bytes as byte-level symbols → BPE merges by
/// rank (no `</w>`). No special tokens are added: `encode("hi")` is the ids of "hi" alone, as in transformers.
///
/// Thread-safe: the only mutable state is the per-word merge cache, behind a lock.
public final class GPT2Tokenizer: Sendable {
    /// The literal of GPT-2's one special token (end of text, also its start and padding token).
    public static let endOfText = "<|endoftext|>"

    /// Token string → id.
    public let vocabulary: [String: Int]
    /// Id → token string (index = id; ids absent from `vocabulary` are empty strings).
    public let tokens: [String]
    /// Id of `<|endoftext|>`.
    public let eosTokenId: Int
    /// The merges in rank order (written back when a model is saved).
    public let merges: [(String, String)]
    private let encoder: BytePairEncoder
    private let endOfTextScalars = Array(GPT2Tokenizer.endOfText.unicodeScalars)

    /// Builds a tokenizer from an in-memory vocabulary and merge list.
    ///
    /// - Throws: `CheckpointError.badTokenizerFile` when a byte symbol, a merge's parts or result, or
    ///   `<|endoftext|>` are missing from the vocabulary.
    public init(vocabulary: [String: Int], merges: [(String, String)], vocabularyPath: String = "vocab.json",
                mergesPath: String = "merges.txt") throws {
        guard let eos = vocabulary[Self.endOfText] else {
            throw CheckpointError.badTokenizerFile(path: vocabularyPath, line: 0, reason: "missing \(Self.endOfText)")
        }
        encoder = try BytePairEncoder(vocabulary: vocabulary, mergeList: merges, endOfWord: nil,
                                      vocabularyPath: vocabularyPath, mergesPath: mergesPath)
        self.vocabulary = vocabulary
        self.merges = merges
        var tokens = [String](repeating: "", count: (vocabulary.values.max() ?? -1) + 1)
        for (token, id) in vocabulary { tokens[id] = token }
        self.tokens = tokens
        eosTokenId = eos
    }

    /// Loads `vocab.json` and `merges.txt` from a model directory.
    ///
    /// - Throws: `CheckpointError.missingFile`, `.io` or `.badTokenizerFile`.
    public convenience init(directory: URL) throws {
        let vocabularyURL = directory.appendingPathComponent("vocab.json")
        let mergesURL = directory.appendingPathComponent("merges.txt")
        try self.init(vocabulary: CLIPVocabulary.readVocabulary(from: vocabularyURL),
                      merges: CLIPVocabulary.readMerges(from: mergesURL),
                      vocabularyPath: vocabularyURL.path, mergesPath: mergesURL.path)
    }

    /// Token ids of `text` (transformers' `tokenizer(text)["input_ids"]`: no special tokens added, none truncated).
    public func encode(_ text: String) -> [Int] {
        var ids: [Int] = []
        let scalars = Array(text.unicodeScalars)
        var start = 0
        var i = 0
        func flush(_ end: Int) {
            guard end > start else { return }
            for piece in Self.preTokenize(Array(scalars[start ..< end])) {
                var bytes: [UInt8] = []
                for scalar in piece { bytes.append(contentsOf: UTF8.encode(scalar)!) }
                ids.append(contentsOf: encoder.encode(bytes).map(Int.init))
            }
        }
        while i < scalars.count {
            if scalars[i] == "<" && Self.hasPrefix(scalars, endOfTextScalars, at: i) {
                flush(i)
                ids.append(eosTokenId)
                i += endOfTextScalars.count
                start = i
            } else {
                i += 1
            }
        }
        flush(scalars.count)
        return ids
    }

    /// Text for `ids` as transformers decodes it (`skip_special_tokens=False`): tokens joined, bytes restored,
    /// invalid UTF-8 replaced by U+FFFD; `<|endoftext|>` kept as its literal unless `skipSpecialTokens`.
    public func decode(_ ids: [Int], skipSpecialTokens: Bool = false) -> String {
        var bytes: [UInt8] = []
        for id in ids where id >= 0 && id < tokens.count {
            if id == eosTokenId {
                if !skipSpecialTokens { bytes.append(contentsOf: Array(Self.endOfText.utf8)) }
                continue
            }
            for scalar in tokens[id].unicodeScalars { if let byte = ByteLevel.scalarToByte[scalar] { bytes.append(byte) } }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    static func hasPrefix(_ scalars: [Unicode.Scalar], _ prefix: [Unicode.Scalar], at i: Int) -> Bool {
        guard i + prefix.count <= scalars.count else { return false }
        for k in 0 ..< prefix.count where scalars[i + k] != prefix[k] { return false }
        return true
    }
}

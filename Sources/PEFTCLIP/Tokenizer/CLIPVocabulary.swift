import Foundation

/// CLIP's BPE vocabulary: reading and writing `merges.txt`/`vocab.json`, and rebuilding the vocabulary from the
/// merges alone.
///
/// CLIP's 49 408 tokens are, in id order: the 256 byte symbols, the same 256 with `</w>` (end of word), one token per
/// merge (48 894 of them, in rank order), then `<|startoftext|>` (49406) and `<|endoftext|>` (49407). So the merges
/// fully determine `vocab.json`; PEFTLab ships only `merges.txt` (derived from OpenAI's `bpe_simple_vocab_16e6.txt.gz`
/// by `scripts/clip/make_merges.py`).
public enum CLIPVocabulary {
    /// The start-of-text special token.
    public static let startOfText = "<|startoftext|>"
    /// The end-of-text special token (also CLIP's padding and unknown token).
    public static let endOfText = "<|endoftext|>"
    /// The end-of-word suffix of CLIP's BPE.
    public static let endOfWord = "</w>"

    /// The tokens in id order for `merges` (pairs in rank order).
    ///
    /// - Complexity: O(merges).
    public static func make(merges: [(String, String)]) -> [String] {
        let bytes = ByteLevel.vocabularyOrder.map { String($0) }
        var tokens = bytes + bytes.map { $0 + endOfWord }
        tokens.reserveCapacity(tokens.count + merges.count + 2)
        for (left, right) in merges { tokens.append(left + right) }
        tokens.append(startOfText)
        tokens.append(endOfText)
        return tokens
    }

    /// Parses `merges.txt`: an optional `#version` line, then one `left right` pair per line.
    ///
    /// - Throws: `CheckpointError.missingFile`, `.io` or `.badTokenizerFile` naming the line.
    public static func readMerges(from url: URL) throws -> [(String, String)] {
        let text = try readText(url)
        var merges: [(String, String)] = []
        merges.reserveCapacity(49_000)
        for (index, line) in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }).enumerated() {
            let trimmed = line.hasSuffix("\r") ? line.dropLast() : line
            if trimmed.isEmpty || (index == 0 && trimmed.hasPrefix("#version")) { continue }
            let parts = trimmed.split(separator: " ", omittingEmptySubsequences: true)
            guard parts.count == 2 else {
                throw CheckpointError.badTokenizerFile(path: url.path, line: index + 1,
                                                       reason: "expected two space-separated symbols, found \(parts.count)")
            }
            merges.append((String(parts[0]), String(parts[1])))
        }
        return merges
    }

    /// Parses `vocab.json` (token → id) into a map.
    ///
    /// - Throws: `CheckpointError.missingFile`, `.io` or `.badTokenizerFile`.
    public static func readVocabulary(from url: URL) throws -> [String: Int] {
        let text = try readText(url)
        guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)),
              let map = object as? [String: Any]
        else {
            throw CheckpointError.badTokenizerFile(path: url.path, line: 0, reason: "not a JSON object of token ids")
        }
        var vocabulary: [String: Int] = [:]
        vocabulary.reserveCapacity(map.count)
        for (token, value) in map {
            guard let id = JSONObject.integer(value), id >= 0 else {
                throw CheckpointError.badTokenizerFile(path: url.path, line: 0,
                                                       reason: "token \(JSONObject.render(token)) has a non-integer id")
            }
            // Ids index dense tables: each must fall below the vocabulary's size (49 408 for CLIP).
            guard id < map.count else {
                throw CheckpointError.badTokenizerFile(path: url.path, line: 0,
                                                       reason: "token \(JSONObject.render(token)) has id \(id), expected ids below \(map.count), the number of tokens")
            }
            vocabulary[token] = id
        }
        return vocabulary
    }

    /// Writes `merges.txt` with the `#version: 0.2` header transformers writes.
    ///
    /// - Throws: `CheckpointError.io`.
    public static func writeMerges(_ merges: [(String, String)], to url: URL) throws {
        var text = "#version: 0.2\n"
        text.reserveCapacity(merges.count * 11)
        for (left, right) in merges { text += left + " " + right + "\n" }
        try write(text, to: url)
    }

    /// Writes `vocab.json` for `tokens` (index = id), in id order.
    ///
    /// - Throws: `CheckpointError.io`.
    public static func writeVocabulary(_ tokens: [String], to url: URL) throws {
        var text = "{"
        text.reserveCapacity(tokens.count * 16)
        for (id, token) in tokens.enumerated() {
            if id > 0 { text += ", " }
            text += jsonString(token) + ": " + String(id)
        }
        text += "}\n"
        try write(text, to: url)
    }

    /// A JSON string literal for `value` (quotes, backslashes and control characters escaped).
    static func jsonString(_ value: String) -> String {
        var out = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    out += "\\u" + String(repeating: "0", count: 4 - String(scalar.value, radix: 16).count)
                        + String(scalar.value, radix: 16)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }

    static func readText(_ url: URL) throws -> String {
        guard FileManager.default.fileExists(atPath: url.path) else { throw CheckpointError.missingFile(path: url.path) }
        do {
            let data = try Data(contentsOf: url)
            guard let text = String(data: data, encoding: .utf8) else {
                throw CheckpointError.badTokenizerFile(path: url.path, line: 0, reason: "file is not UTF-8")
            }
            return text
        } catch let error as CheckpointError {
            throw error
        } catch {
            throw CheckpointError.io(path: url.path, reason: "cannot read file (\(error.localizedDescription))")
        }
    }

    private static func write(_ text: String, to url: URL) throws {
        do {
            try Data(text.utf8).write(to: url, options: .atomic)
        } catch {
            throw CheckpointError.io(path: url.path, reason: "cannot write file (\(error.localizedDescription))")
        }
    }
}

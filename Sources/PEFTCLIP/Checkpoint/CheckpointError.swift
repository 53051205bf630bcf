import Foundation

/// Everything that can go wrong reading or writing a CLIP backbone directory: `config.json`, `model.safetensors`,
/// `vocab.json`, `merges.txt` and `preprocessor_config.json`.
///
/// Each case carries the file and the evidence (field, tensor name, expected vs found), and `description` reads as
/// one sentence, e.g. `model.safetensors: 'text_model.final_layer_norm.weight' is [32], expected [64]`.
public enum CheckpointError: Error, Equatable, CustomStringConvertible, Sendable {
    /// A required file of the backbone directory does not exist.
    case missingFile(path: String)
    /// Reading or writing a file failed at the operating-system level.
    case io(path: String, reason: String)
    /// The file ends before the bytes its header promises (`needed` bytes, file has `found`).
    case truncated(path: String, needed: Int, found: Int, tensor: String?)
    /// The safetensors header is not the JSON object the format specifies.
    case badHeader(path: String, reason: String)
    /// A tensor uses a dtype PEFTLab cannot turn into Float32.
    case unsupportedDType(path: String, tensor: String, dtype: String)
    /// A tensor asked for by name is not in the file.
    case missingTensor(path: String, tensor: String)
    /// A tensor has a different shape than the configuration implies.
    case shapeMismatch(path: String, tensor: String, expected: [Int], found: [Int])
    /// The checkpoint's key set differs from the model's: every missing, unexpected and mis-shaped key at once.
    case keyMismatch(path: String, missing: [String], unexpected: [String], misshaped: [ShapeMismatch])
    /// A configuration field is absent, of the wrong type or out of range.
    case badConfig(path: String, field: String, expected: String, found: String)
    /// `vocab.json` or `merges.txt` is malformed (`line` is 1-based, 0 when not line-specific).
    case badTokenizerFile(path: String, line: Int, reason: String)

    /// One mis-shaped tensor inside a `keyMismatch`.
    public struct ShapeMismatch: Equatable, Sendable {
        /// Dotted parameter path, e.g. `vision_model.embeddings.class_embedding`.
        public var name: String
        /// Shape implied by the configuration.
        public var expected: [Int]
        /// Shape stored in the file.
        public var found: [Int]
        /// Creates a mismatch record.
        public init(name: String, expected: [Int], found: [Int]) {
            self.name = name
            self.expected = expected
            self.found = found
        }
    }

    /// One-sentence, single-line description naming the file and the problem.
    public var description: String {
        switch self {
        case .missingFile(let path):
            return "\(path): file not found"
        case .io(let path, let reason):
            return "\(path): \(reason)"
        case .truncated(let path, let needed, let found, let tensor):
            let what = tensor.map { "tensor '\($0)' needs" } ?? "header needs"
            return "\(path): file is truncated: \(what) \(needed) bytes but the file has \(found)"
        case .badHeader(let path, let reason):
            return "\(path): bad safetensors header: \(reason)"
        case .unsupportedDType(let path, let tensor, let dtype):
            return "\(path): tensor '\(tensor)' has dtype \(dtype); supported are F32, F16, BF16, F64"
        case .missingTensor(let path, let tensor):
            return "\(path): tensor '\(tensor)' is missing"
        case .shapeMismatch(let path, let tensor, let expected, let found):
            return "\(path): '\(tensor)' is \(found), expected \(expected)"
        case .keyMismatch(let path, let missing, let unexpected, let misshaped):
            var parts: [String] = []
            if !missing.isEmpty { parts.append("\(Self.count(missing.count, "missing key")) (\(Self.list(missing)))") }
            if !unexpected.isEmpty {
                parts.append("\(Self.count(unexpected.count, "unexpected key")) (\(Self.list(unexpected)))")
            }
            if !misshaped.isEmpty {
                let shown = Self.list(misshaped.map { "'\($0.name)' is \($0.found), expected \($0.expected)" })
                parts.append("\(Self.count(misshaped.count, "mis-shaped key")) (\(shown))")
            }
            return "\(path): checkpoint does not match the configuration: " + parts.joined(separator: "; ")
        case .badConfig(let path, let field, let expected, let found):
            return "\(path): field '\(field)' must be \(expected) (found \(found))"
        case .badTokenizerFile(let path, let line, let reason):
            return line > 0 ? "\(path):\(line): \(reason)" : "\(path): \(reason)"
        }
    }

    private static func count(_ n: Int, _ noun: String) -> String { n == 1 ? "1 \(noun)" : "\(n) \(noun)s" }

    /// Lists up to eight items, then says how many more, so the message stays one readable line.
    private static func list(_ items: [String]) -> String {
        let shown = items.prefix(8).joined(separator: ", ")
        return items.count > 8 ? shown + ", … and \(items.count - 8) more" : shown
    }
}

import Foundation
import PEFTStore

/// How a spec names its backbone (`backbone:`): `peftlab:tiny` or `peftlab:small`, PEFTLab's own pretrained CLIP
/// kept beside the database in `backbones/clip-<name>` (made by `peftlab backbone pretrain --config <name>`), or
/// any other text: a Hugging Face checkpoint directory. The one place either form is resolved to a directory.
public enum BackboneReference: Equatable, Sendable {
    /// A backbone `peftlab backbone pretrain` makes, by recipe name.
    case pretrained(String)
    /// A checkpoint directory, as written in the spec (relative paths against the working directory).
    case directory(String)

    /// The prefix naming a pretrained backbone.
    public static let scheme = "peftlab:"

    /// Reads a spec's `backbone:` value.
    public init(_ text: String) {
        self = text.hasPrefix(Self.scheme) ? .pretrained(String(text.dropFirst(Self.scheme.count))) : .directory(text)
    }

    /// The spec text of this reference.
    public var text: String {
        switch self {
        case .pretrained(let name): return Self.scheme + name
        case .directory(let path): return path
        }
    }

    /// The directory holding the backbone for a database at `storePath`.
    public func directory(storePath: String) -> URL {
        switch self {
        case .pretrained(let name):
            return Self.pretrainedRoot(storePath: storePath).appendingPathComponent("clip-\(name)", isDirectory: true)
        case .directory(let path):
            return URL(fileURLWithPath: path, isDirectory: true)
        }
    }

    /// `<database directory>/backbones`: where pretrained backbones, their initialisations and corpora live. A
    /// PostgreSQL store has no directory: its hosts keep them in `$PEFTLAB_BACKBONES`, else `./backbones`.
    public static func pretrainedRoot(storePath: String) -> URL {
        guard Store.isServer(storePath) else {
            return URL(fileURLWithPath: storePath).deletingLastPathComponent().appendingPathComponent("backbones", isDirectory: true)
        }
        let root = ProcessInfo.processInfo.environment["PEFTLAB_BACKBONES"].flatMap { $0.isEmpty ? nil : $0 } ?? "backbones"
        return URL(fileURLWithPath: root, isDirectory: true)
    }

    /// The command that makes this backbone, for errors when it is missing (nil for a plain directory).
    public var makeCommand: String? {
        if case .pretrained(let name) = self { return "peftlab backbone pretrain --config \(name)" }
        return nil
    }

    /// Why this reference cannot be used, or nil: an unknown recipe, or a pretrained backbone not made yet.
    public func problem(storePath: String) -> String? {
        guard case .pretrained(let name) = self else { return nil }
        guard PretrainingRecipe.named(name) != nil else {
            return "unknown pretrained backbone '\(text)': expected one of "
                + PretrainingRecipe.all.map { Self.scheme + $0.name }.joined(separator: ", ") + ", or a checkpoint directory"
        }
        let directory = directory(storePath: storePath)
        guard FileManager.default.fileExists(atPath: directory.appendingPathComponent("model.safetensors").path) else {
            return "backbone '\(text)' is not made yet (no \(directory.path)); make it with `\(makeCommand ?? "")`"
        }
        return nil
    }

    /// The directory of a spec's `backbone:` value for a database at `storePath`.
    /// - Throws: `PermanentRunError` when it names a pretrained backbone that is unknown or not made yet.
    public static func resolve(_ text: String, storePath: String) throws -> URL {
        let reference = BackboneReference(text)
        if let problem = reference.problem(storePath: storePath) { throw PermanentRunError(problem) }
        return reference.directory(storePath: storePath)
    }
}

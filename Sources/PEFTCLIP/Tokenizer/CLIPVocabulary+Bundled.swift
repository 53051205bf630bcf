import Foundation

extension CLIPVocabulary {
    /// Environment variable that points at a `merges.txt` to use instead of the bundled one.
    public static let mergesEnvironmentKey = "PEFTLAB_CLIP_MERGES"

    /// CLIP's 48 894 merges shipped with PEFTCLIP (`Resources/merges.txt`).
    ///
    /// Looked up, in order: `$PEFTLAB_CLIP_MERGES`; the SwiftPM resource bundle `PEFTLab_PEFTCLIP.resources` next to
    /// the running executable (how `.build/release/peftlab` and the test runner find it); the source checkout this
    /// module was built from. Unlike the generated `Bundle.module`, a missing file is an error, not a crash.
    /// - Throws: `CheckpointError.missingFile` listing the places searched, or a read error.
    public static func bundledMerges() throws -> [(String, String)] {
        try readMerges(from: bundledMergesURL())
    }

    /// Where `bundledMerges()` reads from; see there.
    ///
    /// - Throws: `CheckpointError.missingFile` listing the places searched.
    public static func bundledMergesURL() throws -> URL {
        let candidates = mergesCandidates()
        for url in candidates where FileManager.default.fileExists(atPath: url.path) { return url }
        throw CheckpointError.missingFile(path: candidates.map(\.path).joined(separator: " or "))
    }

    private static func mergesCandidates() -> [URL] {
        var candidates: [URL] = []
        if let override = ProcessInfo.processInfo.environment[mergesEnvironmentKey], !override.isEmpty {
            return [URL(fileURLWithPath: override)]
        }
        let bundleName = "PEFTLab_PEFTCLIP.resources"
        var directories: [URL] = [Bundle.main.bundleURL]
        if let executable = Bundle.main.executableURL?.resolvingSymlinksInPath() {
            directories.append(executable.deletingLastPathComponent())
        }
        let argument0 = URL(fileURLWithPath: CommandLine.arguments.first ?? "").resolvingSymlinksInPath()
        directories.append(argument0.deletingLastPathComponent())
        for directory in directories {
            candidates.append(directory.appendingPathComponent(bundleName).appendingPathComponent("merges.txt"))
            candidates.append(directory.appendingPathComponent("PEFTLab_PEFTCLIP.bundle")
                .appendingPathComponent("Contents/Resources/merges.txt"))
        }
        let source = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        candidates.append(source.appendingPathComponent("Resources/merges.txt"))
        return candidates
    }
}

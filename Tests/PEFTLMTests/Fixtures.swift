import Foundation
import PEFTLM

/// Locates `Tests/PEFTLMTests/Fixtures` from this source file (no resource bundle needed).
enum Fixtures {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
    /// The tiny random GPT-2 of `scripts/reference/make_tiny_gpt2.py`.
    static let tinyGPT2 = directory.appendingPathComponent("tiny_gpt2")

    /// `tiny_gpt2/goldens.json`.
    static func goldens() throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(contentsOf: tinyGPT2.appendingPathComponent("goldens.json"))) as! [String: Any]
    }

    static func temporaryDirectory(_ label: String = "peftlm") throws -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("\(label)-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}

import Foundation

/// Paths of this target's fixtures (made by scripts/reference/, see Fixtures/README.md) and of PEFTCLIPTests'.
enum Fixtures {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
    static let clipRoot = root.deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("PEFTCLIPTests/Fixtures")

    static func url(_ name: String) -> URL { root.appendingPathComponent(name) }

    static func json(_ name: String) throws -> Any {
        try JSONSerialization.jsonObject(with: Data(contentsOf: url(name)))
    }
}

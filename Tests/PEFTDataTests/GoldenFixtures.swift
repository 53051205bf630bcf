import Foundation
import PEFTData
import XCTest

/// Locates `Tests/PEFTDataTests/Fixtures` from this file (no resource bundle) and reads the goldens that
/// `scripts/data/make_golden.py` wrote with Pillow and transformers' CLIPImageProcessor.
enum Fixtures {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    static func url(_ parts: String...) -> URL {
        parts.reduce(directory) { $0.appendingPathComponent($1) }
    }

    static func bytes(_ parts: String...) throws -> [UInt8] {
        Array(try Data(contentsOf: parts.reduce(directory) { $0.appendingPathComponent($1) }))
    }

    /// A fresh temporary directory; remove it in a `defer`.
    static func temporaryDirectory(_ label: String = "peftdata") throws -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("\(label)-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}

/// One fixture image and its reference outputs (an entry of `golden/golden.json`).
struct GoldenCase {
    struct Config {
        let name: String
        let resized: String
        let pixels: String?
        let sample: String?
        let sampleStride: Int
        let composite: String?
    }

    let image: String
    let mode: String
    let alpha: Bool
    let decoded: String?
    let decodedShape: [Int]
    let decodedSHA256: String
    let configs: [Config]

    static func all() throws -> [GoldenCase] {
        let data = try Data(contentsOf: Fixtures.url("golden", "golden.json"))
        guard let root = try JSONSerialization.jsonObject(with: data) as? [String: Any],
              let cases = root["cases"] as? [[String: Any]] else {
            XCTFail("golden.json: expected an object with 'cases'")
            return []
        }
        return cases.map { c in
            GoldenCase(
                image: c["image"] as? String ?? "", mode: c["mode"] as? String ?? "",
                alpha: c["alpha"] as? Bool ?? false, decoded: c["decoded"] as? String,
                decodedShape: c["decoded_shape"] as? [Int] ?? [], decodedSHA256: c["decoded_sha256"] as? String ?? "",
                configs: (c["configs"] as? [[String: Any]] ?? []).map { e in
                    Config(name: e["name"] as? String ?? "", resized: e["resized"] as? String ?? "",
                           pixels: e["pixels"] as? String, sample: e["sample"] as? String,
                           sampleStride: e["sample_stride"] as? Int ?? 1, composite: e["composite"] as? String)
                })
        }
    }

    /// The preprocessor a config fixture describes.
    static func preprocessor(_ name: String, alpha: AlphaPolicy = .drop) throws -> CLIPPreprocessor {
        CLIPPreprocessor(config: try CLIPPreprocessConfig.read(Fixtures.url("configs", "\(name).json")), alpha: alpha)
    }

    /// Reads a golden uint8 image (`.npy` [H, W, 3], or a lossless `.png`) as an RGBImage.
    static func goldenImage(_ file: String) throws -> RGBImage {
        let url = Fixtures.url("golden", file)
        if file.hasSuffix(".png") {
            return try ImageDecoder.decode(Array(try Data(contentsOf: url)))
        }
        let array = try NPYFile.read(url)
        XCTAssertEqual(array.dtype, "|u1", file)
        return RGBImage(width: array.shape[1], height: array.shape[0], pixels: array.data)
    }
}

/// Byte comparison of two images: how many samples differ and by how much at most.
struct ByteDifference: CustomStringConvertible {
    let total: Int
    let differing: Int
    let maxDifference: Int

    init(_ a: RGBImage, _ b: RGBImage) {
        precondition(a.width == b.width && a.height == b.height, "size \(a.width)x\(a.height) ≠ \(b.width)x\(b.height)")
        total = a.pixels.count
        var differing = 0, maxDifference = 0
        for i in a.pixels.indices where a.pixels[i] != b.pixels[i] {
            differing += 1
            maxDifference = max(maxDifference, abs(Int(a.pixels[i]) - Int(b.pixels[i])))
        }
        self.differing = differing
        self.maxDifference = maxDifference
    }

    var identicalFraction: Double { Double(total - differing) / Double(total) }

    var description: String {
        "\(differing)/\(total) samples differ (identical \(String(format: "%.4f", identicalFraction * 100)) %), max |Δ| \(maxDifference)"
    }
}

@testable import PEFTData

/// Deterministic synthetic images for codec tests (no fixtures needed).
enum TestImages {
    /// A smooth gradient with a hard-edged square: compresses well and has edges for the resampler.
    static func gradient(width: Int, height: Int, seed: Int = 0) -> RGBImage {
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        for y in 0..<height {
            for x in 0..<width {
                let i = (y * width + x) * 3
                let inSquare = x > width / 4 && x < width / 2 && y > height / 4 && y < height / 2
                pixels[i] = UInt8((x * 255) / max(width - 1, 1))
                pixels[i + 1] = UInt8((y * 255) / max(height - 1, 1))
                pixels[i + 2] = inSquare ? 255 : UInt8((x + y + seed * 17) % 256)
            }
        }
        return RGBImage(width: width, height: height, pixels: pixels)
    }

    /// An APP1 payload carrying only an EXIF orientation tag (big-endian TIFF).
    static func exifOrientation(_ value: UInt16) -> [UInt8] {
        var tiff: [UInt8] = [0x4D, 0x4D, 0, 42, 0, 0, 0, 8]  // "MM", 42, IFD0 at 8
        tiff += [0, 1]                                        // one entry
        tiff += [0x01, 0x12, 0, 3, 0, 0, 0, 1, UInt8(value >> 8), UInt8(value & 0xFF), 0, 0]
        tiff += [0, 0, 0, 0]                                  // no next IFD
        return Array("Exif".utf8) + [0, 0] + tiff
    }

    /// Mean absolute difference between two same-sized images.
    static func meanAbsoluteDifference(_ a: RGBImage, _ b: RGBImage) -> Double {
        precondition(a.pixels.count == b.pixels.count, "meanAbsoluteDifference: sizes differ")
        let total = zip(a.pixels, b.pixels).reduce(0) { $0 + abs(Int($1.0) - Int($1.1)) }
        return Double(total) / Double(a.pixels.count)
    }
}

/// An 8-bit RGB image: `height` rows of `width` pixels, each three bytes R, G, B, row-major with no padding.
///
/// This is what every decoder in PEFTData produces (after Pillow-compatible colour conversion and EXIF orientation)
/// and what the resampler consumes. Value type: copies share storage until mutated (copy-on-write `[UInt8]`).
/// Memory: `width × height × 3` bytes.
public struct RGBImage: Sendable, Equatable {
    /// Width in pixels (> 0).
    public let width: Int
    /// Height in pixels (> 0).
    public let height: Int
    /// Interleaved R, G, B bytes; `count == width * height * 3`.
    public var pixels: [UInt8]

    /// Wraps interleaved RGB bytes; `pixels.count` must equal `width * height * 3`.
    public init(width: Int, height: Int, pixels: [UInt8]) {
        precondition(width > 0 && height > 0, "RGBImage: size \(width)x\(height) must be positive")
        precondition(pixels.count == width * height * 3,
                     "RGBImage: \(width)x\(height) needs \(width * height * 3) bytes, got \(pixels.count)")
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    /// An image filled with one colour.
    public init(width: Int, height: Int, fill: (UInt8, UInt8, UInt8)) {
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        for i in stride(from: 0, to: pixels.count, by: 3) {
            pixels[i] = fill.0
            pixels[i + 1] = fill.1
            pixels[i + 2] = fill.2
        }
        self.init(width: width, height: height, pixels: pixels)
    }

    /// The R, G, B bytes of the pixel at column `x`, row `y`.
    public subscript(x: Int, y: Int) -> (UInt8, UInt8, UInt8) {
        let i = (y * width + x) * 3
        return (pixels[i], pixels[i + 1], pixels[i + 2])
    }
}

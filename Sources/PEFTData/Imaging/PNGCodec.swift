import CPNG

/// PNG decoding and encoding through libpng 1.6 (the `CPNG` shim).
///
/// The shim expands palettes, low-bit grey and tRNS transparency; this type then reduces 16-bit samples to 8 bits
/// the way Pillow does: 16-bit grey (Pillow mode "I;16") saturates at 255 when converted to RGB, every other
/// 16-bit layout keeps its high byte. Gamma chunks are ignored, as Pillow ignores them.
public enum PNGCodec {
    /// What the header says, without decoding pixels.
    public struct Header: Sendable, Equatable {
        public var width: Int
        public var height: Int
        /// IHDR bit depth (1, 2, 4, 8, 16) and colour type (0 grey, 2 RGB, 3 palette, 4 grey+alpha, 6 RGBA).
        public var bitDepth: Int
        public var colorType: Int
        /// True if a tRNS chunk gives colour-key or palette transparency.
        public var hasTransparency: Bool
        /// True for Adam7-interlaced files.
        public var interlaced: Bool
    }

    /// Parses the signature and header chunks of `data`.
    /// - Throws: `ImageDecodeError.corrupt` when they are unreadable.
    public static func probe(_ data: [UInt8]) throws(ImageDecodeError) -> Header {
        var info = pl_png_info()
        let status = data.withUnsafeBufferPointer { pl_png_probe($0.baseAddress, $0.count, &info) }
        guard status == 0 else {
            throw .corrupt(format: .png, call: "pl_png_probe", message: cMessage(info.message))
        }
        return header(info)
    }

    private static func header(_ info: pl_png_info) -> Header {
        Header(width: Int(info.width), height: Int(info.height), bitDepth: Int(info.bit_depth),
               colorType: Int(info.color_type), hasTransparency: info.has_trns != 0, interlaced: info.interlaced != 0)
    }

    /// Decodes `data` into 8-bit samples (grey, grey+alpha, RGB or RGBA).
    /// With `strict`, libpng's benign errors, ancillary CRC errors and a missing IEND are errors too.
    /// - Throws: `ImageDecodeError.corrupt` or `.badDimensions` (more than `maxPixels` pixels).
    static func decodeSamples(_ data: [UInt8], strict: Bool = true, maxPixels: Int) throws(ImageDecodeError)
        -> DecodedSamples
    {
        var probeInfo = pl_png_info()
        let probed = data.withUnsafeBufferPointer { pl_png_probe($0.baseAddress, $0.count, &probeInfo) }
        guard probed == 0 else {
            throw .corrupt(format: .png, call: "pl_png_probe", message: cMessage(probeInfo.message))
        }
        let width = Int(probeInfo.width), height = Int(probeInfo.height)
        guard width > 0, height > 0, width * height <= maxPixels else {
            throw .badDimensions(format: .png, width: width, height: height, limit: maxPixels)
        }
        let channels = Int(probeInfo.channels), sampleBytes = Int(probeInfo.bytes_per_sample)
        var raw = [UInt8](repeating: 0, count: width * height * channels * sampleBytes)
        var info = pl_png_info()
        let status = data.withUnsafeBufferPointer { input in
            raw.withUnsafeMutableBufferPointer { output in
                pl_png_decode(input.baseAddress, input.count, strict ? 1 : 0, output.baseAddress, output.count, &info)
            }
        }
        guard status == 0 else {
            throw .corrupt(format: .png, call: "pl_png_decode", message: cMessage(info.message))
        }
        let layout: SampleLayout
        switch channels {
        case 1: layout = .grey
        case 2: layout = .greyAlpha
        case 3: layout = .rgb
        case 4: layout = .rgba
        default:
            throw .corrupt(format: .png, call: "pl_png_decode", message: "\(channels) channels, expected 1 to 4")
        }
        let bytes = sampleBytes == 1
            ? raw
            : reduce16(raw, channels: channels, saturateFirst: probeInfo.color_type == 0)
        return DecodedSamples(width: width, height: height, layout: layout, bytes: bytes)
    }

    /// Pillow's 16 → 8 bit rules: grey from a 16-bit grey file saturates (I;16 → L clips at 255); every other
    /// sample keeps its high byte (Pillow's ";16B" unpackers).
    private static func reduce16(_ raw: [UInt8], channels: Int, saturateFirst: Bool) -> [UInt8] {
        let count = raw.count / 2
        var out = [UInt8](repeating: 0, count: count)
        raw.withUnsafeBytes { source in
            let samples = source.bindMemory(to: UInt16.self)
            for i in 0..<count {
                let value = samples[i]
                if saturateFirst && i % channels == 0 {
                    out[i] = UInt8(min(value, 255))
                } else {
                    out[i] = UInt8(value >> 8)
                }
            }
        }
        return out
    }

    /// PNG colour types the encoder writes.
    public enum ColorType: Int, Sendable {
        case grey = 0, rgb = 2, palette = 3, greyAlpha = 4, rgba = 6

        /// Samples per pixel in the encoder's input.
        var samples: Int {
            switch self {
            case .grey, .palette: return 1
            case .greyAlpha: return 2
            case .rgb: return 3
            case .rgba: return 4
            }
        }
    }

    /// Encodes an RGB image as an 8-bit PNG.
    /// - Throws: `ImageDecodeError.encodeFailed` for out-of-range arguments.
    public static func encode(_ image: RGBImage, interlaced: Bool = false) throws(ImageDecodeError) -> [UInt8] {
        try encode(samples: image.pixels, width: image.width, height: image.height, colorType: .rgb,
                   interlaced: interlaced)
    }

    /// Encodes 8-bit samples of any colour type; for `.palette`, `samples` are indices into `palette`
    /// (RGB triples) and `paletteAlpha` optionally gives per-entry alpha (a tRNS chunk).
    /// - Throws: `ImageDecodeError.encodeFailed` for out-of-range arguments.
    public static func encode(samples: [UInt8], width: Int, height: Int, colorType: ColorType,
                              palette: [UInt8] = [], paletteAlpha: [UInt8] = [],
                              interlaced: Bool = false) throws(ImageDecodeError) -> [UInt8] {
        guard samples.count == width * height * colorType.samples else {
            throw .encodeFailed(format: .png, call: "pl_png_encode",
                                message: "\(samples.count) bytes for \(width)x\(height)x\(colorType.samples)")
        }
        return try encodeRaw(samples, width: width, height: height, colorType: colorType, bitDepth: 8,
                             palette: palette, paletteAlpha: paletteAlpha, interlaced: interlaced)
    }

    /// Encodes 16-bit samples (grey, grey+alpha, RGB or RGBA).
    /// - Throws: `ImageDecodeError.encodeFailed` for out-of-range arguments.
    public static func encode16(samples: [UInt16], width: Int, height: Int, colorType: ColorType,
                                interlaced: Bool = false) throws(ImageDecodeError) -> [UInt8] {
        guard colorType != .palette, samples.count == width * height * colorType.samples else {
            throw .encodeFailed(format: .png, call: "pl_png_encode",
                                message: "\(samples.count) samples for \(width)x\(height) \(colorType) at 16 bits")
        }
        let bytes = samples.withUnsafeBytes { Array($0) }
        return try encodeRaw(bytes, width: width, height: height, colorType: colorType, bitDepth: 16,
                             palette: [], paletteAlpha: [], interlaced: interlaced)
    }

    private static func encodeRaw(_ bytes: [UInt8], width: Int, height: Int, colorType: ColorType, bitDepth: Int,
                                  palette: [UInt8], paletteAlpha: [UInt8], interlaced: Bool)
        throws(ImageDecodeError) -> [UInt8]
    {
        var output: UnsafeMutablePointer<UInt8>?
        var size = 0
        var message = [CChar](repeating: 0, count: Int(PL_PNG_MESSAGE_MAX))
        let status = bytes.withUnsafeBufferPointer { input in
            palette.withUnsafeBufferPointer { plte in
                paletteAlpha.withUnsafeBufferPointer { trns in
                    message.withUnsafeMutableBufferPointer { text in
                        pl_png_encode(input.baseAddress, Int32(width), Int32(height), Int32(colorType.rawValue),
                                      Int32(bitDepth), plte.baseAddress, Int32(palette.count / 3),
                                      trns.baseAddress, Int32(paletteAlpha.count), interlaced ? 1 : 0,
                                      &output, &size, text.baseAddress)
                    }
                }
            }
        }
        defer { pl_png_free(output) }
        guard status == 0, let output else {
            throw .encodeFailed(format: .png, call: "pl_png_encode", message: cMessage(message))
        }
        return Array(UnsafeBufferPointer(start: output, count: size))
    }
}

/// Options for `ImageDecoder.decode`. The defaults reproduce transformers 5's `convert_to_rgb` on
/// `ImageOps.exif_transpose(Image.open(f))`: Pillow's `convert("RGB")`, with transparent pixels composited on white.
public struct ImageDecodeOptions: Sendable, Hashable {
    /// Truncated or corrupt files are errors (libjpeg warnings count as errors). Turning this off accepts what
    /// libjpeg/libpng can salvage; such pixels may contain grey filler rows.
    public var strict: Bool
    /// What happens to alpha / tRNS transparency (composited on white by default, as transformers 5 does).
    public var alpha: AlphaPolicy
    /// Apply the EXIF orientation tag (JPEG APP1, PNG eXIf).
    public var applyEXIFOrientation: Bool
    /// Refuse images with more pixels than this (Pillow's decompression-bomb error threshold by default). Decoding
    /// costs about `bytesPerPixel` bytes per pixel at its peak, per decoding thread.
    public var maxPixels: Int
    /// Fast JPEG path: when set, large JPEGs decode at 1/2, 1/4 or 1/8 scale in the DCT domain, choosing the
    /// smallest scale whose shortest edge is still ≥ this many pixels. Not bit-identical to a full decode.
    public var jpegMinimumShortEdge: Int?

    /// Pillow's decompression-bomb error threshold (`Image.MAX_IMAGE_PIXELS × 2`).
    public static let pillowMaxPixels = 178_956_970
    /// Peak bytes per pixel while decoding one image: 16-bit RGBA samples (8), or 8-bit samples (4) plus the RGB
    /// result (3) and the first resize pass; 8 is the bound used to size `maxPixels` for parallel decoding.
    public static let bytesPerPixel = 8

    /// Reference defaults: strict, alpha composited on white (transformers 5), EXIF orientation applied, at most
    /// `pillowMaxPixels` pixels, no DCT scaling.
    public init(strict: Bool = true, alpha: AlphaPolicy = .compositeOnWhite, applyEXIFOrientation: Bool = true,
                maxPixels: Int = ImageDecodeOptions.pillowMaxPixels, jpegMinimumShortEdge: Int? = nil) {
        self.strict = strict
        self.alpha = alpha
        self.applyEXIFOrientation = applyEXIFOrientation
        self.maxPixels = maxPixels
        self.jpegMinimumShortEdge = jpegMinimumShortEdge
    }
}

/// Decodes JPEG and PNG bytes into `RGBImage`s with Pillow-compatible colour conversion.
///
/// The format comes from the leading bytes, never the file name. Every failure is an `ImageDecodeError` naming
/// the format, the C call and libjpeg's/libpng's message; a bad file never crashes or aborts the process.
/// Thread-safe: calls share no state, so callers decode in parallel.
public enum ImageDecoder {
    /// Decodes `data` to RGB.
    /// - Cost: one libjpeg/libpng decode plus one pass for colour conversion (and one for orientation if tagged).
    /// - Throws: `ImageDecodeError`.
    public static func decode(_ data: [UInt8], options: ImageDecodeOptions = ImageDecodeOptions())
        throws(ImageDecodeError) -> RGBImage
    {
        guard !data.isEmpty else { throw .empty }
        guard let format = ImageFormat(sniffing: data) else {
            throw .unsupportedFormat(head: data.prefix(8).map { hex($0) }.joined(separator: " "))
        }
        let samples: DecodedSamples
        switch format {
        case .jpeg:
            let scale = try jpegScale(data, minimumShortEdge: options.jpegMinimumShortEdge)
            samples = try JPEGCodec.decodeSamples(data, scaleDenominator: scale, strict: options.strict,
                                                  maxPixels: options.maxPixels)
        case .png:
            samples = try PNGCodec.decodeSamples(data, strict: options.strict, maxPixels: options.maxPixels)
        }
        let rgb = PillowConversion.toRGB(samples, alpha: options.alpha)
        guard options.applyEXIFOrientation else { return rgb }
        return EXIFOrientation.read(from: data).apply(to: rgb)
    }

    /// The DCT scale denominator (1, 2, 4 or 8) for the fast path: the largest whose output keeps the shortest
    /// edge ≥ `minimumShortEdge`; 1 when the fast path is off.
    static func jpegScale(_ data: [UInt8], minimumShortEdge: Int?) throws(ImageDecodeError) -> Int {
        guard let minimumShortEdge else { return 1 }
        for denominator in [8, 4, 2] {
            let header = try JPEGCodec.probe(data, scaleDenominator: denominator)
            if min(header.outputWidth, header.outputHeight) >= minimumShortEdge { return denominator }
        }
        return 1
    }

    private static func hex(_ byte: UInt8) -> String {
        let digits = Array("0123456789ABCDEF")
        return String([digits[Int(byte >> 4)], digits[Int(byte & 15)]])
    }
}

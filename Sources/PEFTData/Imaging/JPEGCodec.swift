import CJPEG

/// JPEG decoding and encoding through libjpeg-turbo (the `CJPEG` shim).
///
/// Decoding uses libjpeg's defaults (accurate integer IDCT, fancy upsampling), the same settings Pillow uses, so
/// full-scale decodes match Pillow's pixels. Every libjpeg failure comes back as `ImageDecodeError.corrupt` naming
/// the shim call; the process never aborts on a bad file.
public enum JPEGCodec {
    /// What the header says, without decoding pixels.
    public struct Header: Sendable, Equatable {
        /// Size stored in the file.
        public var width: Int
        public var height: Int
        /// Size the decoder will produce at the requested DCT scale.
        public var outputWidth: Int
        public var outputHeight: Int
        /// 1 grey, 3 RGB (from YCbCr or RGB), 4 CMYK (from CMYK or YCCK).
        public var components: Int
        /// True for progressive files.
        public var progressive: Bool
    }

    /// Parses the header of `data` and reports the output size at 1/`scaleDenominator` (1, 2, 4 or 8).
    /// Cost: marker parsing only.
    /// - Throws: `ImageDecodeError.corrupt` when the header is unreadable.
    public static func probe(_ data: [UInt8], scaleDenominator: Int = 1) throws(ImageDecodeError) -> Header {
        var info = pl_jpeg_info()
        let status = data.withUnsafeBufferPointer { buffer in
            pl_jpeg_probe(buffer.baseAddress, buffer.count, Int32(scaleDenominator), &info)
        }
        guard status == 0 else {
            throw .corrupt(format: .jpeg, call: "pl_jpeg_probe", message: cMessage(info.message))
        }
        return Header(width: Int(info.image_width), height: Int(info.image_height),
                      outputWidth: Int(info.output_width), outputHeight: Int(info.output_height),
                      components: Int(info.components), progressive: info.progressive != 0)
    }

    /// Decodes `data` at 1/`scaleDenominator` scale into raw samples (grey, RGB or inverted CMYK).
    /// With `strict`, any libjpeg warning that affects pixels (truncation, corrupt entropy data) is an error.
    /// - Throws: `ImageDecodeError.corrupt` or `.badDimensions` (more than `maxPixels` output pixels).
    static func decodeSamples(_ data: [UInt8], scaleDenominator: Int = 1, strict: Bool = true,
                              maxPixels: Int) throws(ImageDecodeError) -> DecodedSamples {
        let header = try probe(data, scaleDenominator: scaleDenominator)
        let pixels = header.outputWidth * header.outputHeight
        guard header.outputWidth > 0, header.outputHeight > 0, pixels <= maxPixels else {
            throw .badDimensions(format: .jpeg, width: header.width, height: header.height, limit: maxPixels)
        }
        let layout: SampleLayout
        switch header.components {
        case 1: layout = .grey
        case 3: layout = .rgb
        case 4: layout = .cmykInverted
        default:
            throw .corrupt(format: .jpeg, call: "pl_jpeg_probe",
                           message: "\(header.components) output components, expected 1, 3 or 4")
        }
        var bytes = [UInt8](repeating: 0, count: pixels * header.components)
        var info = pl_jpeg_info()
        let status = data.withUnsafeBufferPointer { input in
            bytes.withUnsafeMutableBufferPointer { output in
                pl_jpeg_decode(input.baseAddress, input.count, Int32(scaleDenominator), strict ? 1 : 0,
                               output.baseAddress, output.count, &info)
            }
        }
        guard status == 0 else {
            throw .corrupt(format: .jpeg, call: "pl_jpeg_decode", message: cMessage(info.message))
        }
        return DecodedSamples(width: header.outputWidth, height: header.outputHeight, layout: layout, bytes: bytes)
    }

    /// Encodes an RGB image as a JPEG (4:2:0 chroma subsampling, libjpeg's standard tables at `quality`).
    /// `exif`, when given, is written as an APP1 payload (it must start with "Exif\0\0").
    /// - Throws: `ImageDecodeError.encodeFailed` for out-of-range arguments.
    public static func encode(_ image: RGBImage, quality: Int = 90, progressive: Bool = false,
                              exif: [UInt8]? = nil) throws(ImageDecodeError) -> [UInt8] {
        try encode(pixels: image.pixels, width: image.width, height: image.height, components: 3,
                   quality: quality, progressive: progressive, app1: exif)
    }

    /// Encodes raw samples: `components` 1 (grey), 3 (RGB) or 4 (CMYK bytes written as given; Adobe-convention
    /// readers such as Pillow treat them as inverted). Returns the JPEG file bytes.
    /// - Throws: `ImageDecodeError.encodeFailed` for out-of-range arguments.
    public static func encode(pixels: [UInt8], width: Int, height: Int, components: Int, quality: Int = 90,
                              progressive: Bool = false, app1: [UInt8]? = nil) throws(ImageDecodeError) -> [UInt8] {
        guard pixels.count == width * height * components else {
            throw .encodeFailed(format: .jpeg, call: "pl_jpeg_encode",
                                message: "\(pixels.count) bytes for \(width)x\(height)x\(components)")
        }
        var output: UnsafeMutablePointer<UInt8>?
        var size = 0
        var message = [CChar](repeating: 0, count: Int(PL_JPEG_MESSAGE_MAX))
        let status = pixels.withUnsafeBufferPointer { input in
            (app1 ?? []).withUnsafeBufferPointer { marker in
                message.withUnsafeMutableBufferPointer { text in
                    pl_jpeg_encode(input.baseAddress, Int32(width), Int32(height), Int32(components),
                                   Int32(quality), progressive ? 1 : 0, app1 == nil ? nil : marker.baseAddress,
                                   marker.count, &output, &size, text.baseAddress)
                }
            }
        }
        defer { pl_jpeg_free(output) }
        guard status == 0, let output else {
            throw .encodeFailed(format: .jpeg, call: "pl_jpeg_encode", message: cMessage(message))
        }
        return Array(UnsafeBufferPointer(start: output, count: size))
    }
}

/// Turns a `[CChar]` message buffer into a String up to its NUL.
func cMessage(_ buffer: [CChar]) -> String {
    String(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

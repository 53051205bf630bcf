/// Why an image could not be decoded or encoded. `description` is one sentence naming the format, the C call
/// and the library's own message, so a quarantine row explains itself.
public enum ImageDecodeError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The bytes are neither JPEG nor PNG; `head` holds the first bytes in hex.
    case unsupportedFormat(head: String)
    /// The file is empty.
    case empty
    /// libjpeg or libpng rejected the data (corrupt, truncated or unsupported); `call` names the shim function.
    case corrupt(format: ImageFormat, call: String, message: String)
    /// The header announces more pixels than `limit` (a decompression-bomb and memory guard) or a zero size.
    case badDimensions(format: ImageFormat, width: Int, height: Int, limit: Int)
    /// An encoder was given arguments it cannot write (size, channel count, quality).
    case encodeFailed(format: ImageFormat, call: String, message: String)
    /// Resizing this image's shortest edge to the target would make more than `limit` pixels (an extreme aspect
    /// ratio, e.g. 1×100 000): rejected instead of allocating gigabytes.
    case resizeTooLarge(width: Int, height: Int, targetWidth: Int, targetHeight: Int, limit: Int)

    public var description: String {
        switch self {
        case .unsupportedFormat(let head):
            return "unsupported image format: expected JPEG (FF D8 FF) or PNG signature, found bytes \(head)"
        case .empty:
            return "empty image file: expected JPEG or PNG data, found 0 bytes"
        case .corrupt(let format, let call, let message):
            return "corrupt \(format.rawValue.uppercased()) data: \(call) failed: \(message)"
        case .badDimensions(let format, let width, let height, let limit):
            let (pixels, overflow) = width.multipliedReportingOverflow(by: height)
            guard width > 0, height > 0 else {
                return "\(format.rawValue.uppercased()) header announces \(width)x\(height) pixels: an empty image"
            }
            let megabytes = overflow ? "too much" : "≈ \(max(1, (pixels * ImageDecodeOptions.bytesPerPixel + 999_999) / 1_000_000)) MB"
            return "\(format.rawValue.uppercased()) image is \(width)x\(height) = "
                + (overflow ? "too many" : "\(pixels)") + " pixels, more than the limit of \(limit) "
                + "(decoding it needs \(megabytes) of memory per thread); raise the limit (ingest --max-pixels) to accept it"
        case .encodeFailed(let format, let call, let message):
            return "\(format.rawValue.uppercased()) encoding failed: \(call): \(message)"
        case .resizeTooLarge(let width, let height, let targetWidth, let targetHeight, let limit):
            return "a \(width)x\(height) image would resize to \(targetWidth)x\(targetHeight) pixels, "
                + "more than the limit of \(limit): its aspect ratio is too extreme for CLIP preprocessing"
        }
    }
}

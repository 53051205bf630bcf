/// The container formats PEFTData decodes, recognised by their leading bytes (never by file extension).
public enum ImageFormat: String, Sendable, Codable, CaseIterable {
    case jpeg
    case png

    /// Sniffs the format from the first bytes: JPEG starts with FF D8 FF, PNG with its 8-byte signature.
    /// Returns nil for anything else (GIF, WebP, text, empty files…).
    public init?<Bytes: Collection<UInt8>>(sniffing bytes: Bytes) {
        let head = Array(bytes.prefix(8))
        if head.count >= 3, head[0] == 0xFF, head[1] == 0xD8, head[2] == 0xFF {
            self = .jpeg
        } else if head == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] {
            self = .png
        } else {
            return nil
        }
    }
}

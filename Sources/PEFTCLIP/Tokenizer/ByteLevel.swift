/// GPT-2/CLIP's reversible byte ↔ printable-character map (`bytes_to_unicode`).
///
/// Printable Latin-1 bytes (`!`…`~`, `¡`…`¬`, `®`…`ÿ`) map to themselves; the other 68 bytes map to U+0100 onwards in
/// byte order, so every byte string becomes a string of visible characters that BPE can merge.
package enum ByteLevel {
    /// `byteToScalar[b]` is the character standing for byte `b`.
    package static let byteToScalar: [Unicode.Scalar] = {
        var printable: [Int] = Array(0x21 ... 0x7E) + Array(0xA1 ... 0xAC) + Array(0xAE ... 0xFF)
        var scalars = printable.map { Unicode.Scalar(UInt32($0))! }
        var next: UInt32 = 256
        for byte in 0 ..< 256 where !printable.contains(byte) {
            printable.append(byte)
            scalars.append(Unicode.Scalar(next)!)
            next += 1
        }
        var table = [Unicode.Scalar](repeating: " ", count: 256)
        for (byte, scalar) in zip(printable, scalars) { table[byte] = scalar }
        return table
    }()

    /// The 256 byte symbols in CLIP's vocabulary order (the printable bytes first, then the remapped ones).
    package static let vocabularyOrder: [Unicode.Scalar] = {
        let printable: [Int] = Array(0x21 ... 0x7E) + Array(0xA1 ... 0xAC) + Array(0xAE ... 0xFF)
        let rest = (0 ..< 256).filter { !printable.contains($0) }
        return (printable + rest).map { byteToScalar[$0] }
    }()

    /// Inverse of `byteToScalar`.
    package static let scalarToByte: [Unicode.Scalar: UInt8] = {
        var map: [Unicode.Scalar: UInt8] = [:]
        for (byte, scalar) in byteToScalar.enumerated() { map[scalar] = UInt8(byte) }
        return map
    }()

    /// The byte-level string for UTF-8 `bytes`.
    package static func encode<S: Sequence>(_ bytes: S) -> String where S.Element == UInt8 {
        var result = String.UnicodeScalarView()
        for byte in bytes { result.append(byteToScalar[Int(byte)]) }
        return String(result)
    }
}

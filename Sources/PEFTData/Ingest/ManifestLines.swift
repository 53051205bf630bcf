import Foundation

/// A manifest's bytes split into physical lines, each decoded as UTF-8 only if it is valid UTF-8.
///
/// Nothing is replaced: a line with an invalid byte keeps `text == nil` and the offset of that byte, so its row is
/// quarantined with its line number instead of being stored with U+FFFD in place of what the file said.
struct ManifestLines {
    struct Line {
        /// 1-based physical line number.
        var number: Int
        /// The line's text without its terminator; nil when its bytes are not valid UTF-8.
        var text: String?
        /// The terminator that ended it (`\n`, `\r\n`, `\r`, or empty for the last line).
        var terminator: String
        /// 0-based offset within the line of the first byte that is not valid UTF-8.
        var invalidByteOffset: Int?
    }

    var lines: [Line]

    /// Splits `data` at `\n` and `\r\n` (and at a lone `\r` when `loneCarriageReturn`, as CSV readers do; in JSON
    /// a lone CR is white space), after dropping a leading UTF-8 byte-order mark.
    /// - Cost: one pass over the bytes; each line is validated once.
    init(_ data: Data, loneCarriageReturn: Bool = true) {
        let bytes = [UInt8](data)
        var start = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        var lines: [Line] = []
        var i = start
        while i < bytes.count {
            let byte = bytes[i]
            let crlf = byte == 0x0D && i + 1 < bytes.count && bytes[i + 1] == 0x0A
            guard byte == 0x0A || crlf || (byte == 0x0D && loneCarriageReturn) else {
                i += 1
                continue
            }
            lines.append(Self.line(bytes[start..<i], number: lines.count + 1,
                                   terminator: crlf ? "\r\n" : (byte == 0x0A ? "\n" : "\r")))
            i += crlf ? 2 : 1
            start = i
        }
        if start < bytes.count { lines.append(Self.line(bytes[start...], number: lines.count + 1, terminator: "")) }
        self.lines = lines
    }

    private static func line(_ bytes: ArraySlice<UInt8>, number: Int, terminator: String) -> Line {
        if let text = String(validating: bytes, as: UTF8.self) {
            return Line(number: number, text: text, terminator: terminator, invalidByteOffset: nil)
        }
        return Line(number: number, text: nil, terminator: terminator, invalidByteOffset: firstInvalidOffset(bytes))
    }

    /// The offset of the first byte that starts no valid UTF-8 sequence.
    static func firstInvalidOffset(_ bytes: ArraySlice<UInt8>) -> Int {
        var decoder = UTF8()
        var iterator = bytes.makeIterator()
        var offset = 0
        while true {
            switch decoder.decode(&iterator) {
            case .scalarValue(let scalar): offset += UTF8.width(scalar)
            case .emptyInput: return offset
            case .error: return offset
            }
        }
    }

    /// The row problem for an invalid line.
    static func invalidUTF8Reason(_ line: Line) -> String {
        "line is not valid UTF-8 (byte \((line.invalidByteOffset ?? 0) + 1) of the line); re-encode the manifest as "
            + "UTF-8 (e.g. iconv -f latin1 -t utf-8) so its text is stored as written"
    }
}

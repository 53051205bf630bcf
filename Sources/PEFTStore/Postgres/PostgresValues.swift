import CPQ
import Foundation

/// Text-format result values → `SQLValue`, by PostgreSQL type OID.
enum PostgresValues {
    /// Decodes one non-NULL value of `length` bytes at `pointer`.
    /// - Throws: `StoreError.corruptRow` for a value that does not parse as its type says.
    static func decode(_ pointer: UnsafePointer<CChar>, length: Int, type: Oid, column: String) throws -> SQLValue {
        let bytes = UnsafeRawBufferPointer(start: pointer, count: length)
        switch type {
        case 20, 21, 23, 26:  // int8, int2, int4, oid
            guard let v = Int64(String(decoding: bytes, as: UTF8.self)) else { throw bad(column, "an integer") }
            return .integer(v)
        case 700, 701:  // float4, float8
            guard let v = Double(String(decoding: bytes, as: UTF8.self)) else { throw bad(column, "a real") }
            return .real(v)
        case 1700:  // numeric (SUM of bigint): an integer when it is one
            let text = String(decoding: bytes, as: UTF8.self)
            if let v = Int64(text) { return .integer(v) }
            guard let v = Double(text) else { throw bad(column, "a number") }
            return .real(v)
        case 16:  // bool
            return .integer(length > 0 && pointer[0] == CChar(UInt8(ascii: "t")) ? 1 : 0)
        case 17:  // bytea, hex format: \x0a1b…
            guard let data = hex(bytes) else { throw bad(column, "bytea") }
            return .blob(data)
        default:
            return .text(String(decoding: bytes, as: UTF8.self))
        }
    }

    /// The bytes of bytea's hex output (`\x` then two hex digits per byte).
    private static func hex(_ text: UnsafeRawBufferPointer) -> Data? {
        guard text.count >= 2, text[0] == UInt8(ascii: "\\"), text[1] == UInt8(ascii: "x"), text.count % 2 == 0 else {
            return nil
        }
        var data = Data(count: (text.count - 2) / 2)
        let ok = data.withUnsafeMutableBytes { (out: UnsafeMutableRawBufferPointer) -> Bool in
            var i = 2, o = 0
            while i < text.count {
                guard let high = nibble(text[i]), let low = nibble(text[i + 1]) else { return false }
                out[o] = high << 4 | low
                i += 2
                o += 1
            }
            return true
        }
        return ok ? data : nil
    }

    private static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case 48...57: return c - 48
        case 97...102: return c - 87
        case 65...70: return c - 55
        default: return nil
        }
    }

    private static func bad(_ column: String, _ what: String) -> StoreError {
        .corruptRow(table: "query", detail: "column '\(column)' does not hold \(what)")
    }
}

/// PEFTLab's `?` placeholders as PostgreSQL's `$1, $2, …`.
enum PostgresPlaceholders {
    /// `sql` with every `?` outside single-quoted strings, double-quoted names and `--` comments numbered.
    static func numbered(_ sql: String) -> String {
        var out = ""
        out.reserveCapacity(sql.utf8.count + 16)
        var n = 0
        var quote: Character?
        var comment = false
        var previous: Character?
        for c in sql {
            if comment {
                if c == "\n" { comment = false }
                out.append(c)
            } else if let q = quote {
                if c == q { quote = nil }
                out.append(c)
            } else if c == "'" || c == "\"" {
                quote = c
                out.append(c)
            } else if c == "-" && previous == "-" {
                comment = true
                out.append(c)
            } else if c == "?" {
                n += 1
                out += "$\(n)"
            } else {
                out.append(c)
            }
            previous = c
        }
        return out
    }
}

import Foundation
import PEFTStore

/// NumPy `.npy` arrays (format version 1.0 for writing; 1.0–3.0 for reading), little-endian, C order.
///
/// Used by `peftlab preprocess -o OUT.npy` (float32 `[3, H, W]`) and by the golden tests, which read arrays that
/// numpy wrote. Supported dtypes: `<f4`, `<f8`, `|u1`, `<u2`, `<i4`, `<i8`.
public struct NPYFile: Sendable, Equatable {
    /// The numpy dtype descriptor, e.g. `<f4`.
    public var dtype: String
    /// Dimensions in C order.
    public var shape: [Int]
    /// The raw little-endian element bytes.
    public var data: [UInt8]

    /// Wraps float32 values of `shape` (count must match).
    public init(float32 values: [Float], shape: [Int]) {
        precondition(values.count == shape.reduce(1, *), "NPYFile: \(values.count) values for shape \(shape)")
        dtype = "<f4"
        self.shape = shape
        data = values.withUnsafeBytes { Array($0) }
    }

    /// Wraps bytes of `shape` as `|u1`.
    public init(uint8 values: [UInt8], shape: [Int]) {
        precondition(values.count == shape.reduce(1, *), "NPYFile: \(values.count) values for shape \(shape)")
        dtype = "|u1"
        self.shape = shape
        data = values
    }

    /// The file bytes: magic, version 1.0, a header dict padded to a multiple of 64 bytes, then the data.
    public func encoded() -> [UInt8] {
        let shapeText = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        var header = "{'descr': '\(dtype)', 'fortran_order': False, 'shape': \(shapeText), }"
        let unpadded = 10 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        var out: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0]
        let length = UInt16(header.utf8.count)
        out += [UInt8(length & 0xFF), UInt8(length >> 8)]
        out += Array(header.utf8)
        out += data
        return out
    }

    /// Writes the array to `url`.
    /// - Throws: `DataError.io` when the file cannot be written.
    public func write(to url: URL) throws {
        do { try FileIO.write(Data(encoded()), to: url.path) } catch {
            throw DataError.io(path: url.path, reason: "cannot write the .npy file: \(error.reason)")
        }
    }

    /// Reads an `.npy` file.
    /// - Throws: `DataError.io` when unreadable, `.badConfig` when the header is not a supported npy header.
    public static func read(_ url: URL) throws -> NPYFile {
        let bytes: [UInt8]
        do { bytes = Array(try FileIO.read(url.path)) } catch {
            throw DataError.io(path: url.path, reason: "cannot read the .npy file: \(error.reason)")
        }
        return try parse(bytes, path: url.path)
    }

    /// Parses `.npy` bytes; `path` names the source in errors.
    /// - Throws: `DataError.badConfig` naming the header field that is wrong.
    public static func parse(_ bytes: [UInt8], path: String) throws -> NPYFile {
        guard bytes.count >= 10, bytes[0] == 0x93, Array(bytes[1..<6]) == Array("NUMPY".utf8) else {
            throw DataError.badConfig(path: path, field: "magic", expected: "\\x93NUMPY", found: "other bytes")
        }
        let major = bytes[6]
        let headerLength: Int, start: Int
        if major == 1 {
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
            start = 10
        } else {
            guard bytes.count >= 12 else {
                throw DataError.badConfig(path: path, field: "header", expected: "a length", found: "end of file")
            }
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24
            start = 12
        }
        guard start + headerLength <= bytes.count else {
            throw DataError.badConfig(path: path, field: "header", expected: "\(headerLength) bytes", found: "end of file")
        }
        let header = String(decoding: bytes[start..<(start + headerLength)], as: UTF8.self)
        guard let descr = field("descr", in: header)?.trimmingCharacters(in: CharacterSet(charactersIn: "'\" ")) else {
            throw DataError.badConfig(path: path, field: "descr", expected: "a dtype string", found: header)
        }
        guard field("fortran_order", in: header)?.trimmingCharacters(in: .whitespaces) == "False" else {
            throw DataError.badConfig(path: path, field: "fortran_order", expected: "False", found: header)
        }
        guard let open = header.range(of: "("), let close = header.range(of: ")", range: open.upperBound..<header.endIndex)
        else { throw DataError.badConfig(path: path, field: "shape", expected: "a tuple", found: header) }
        let shape = header[open.upperBound..<close.lowerBound].split(separator: ",")
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }.compactMap { Int($0) }
        guard let size = elementSize(descr) else {
            throw DataError.badConfig(path: path, field: "descr", expected: "<f4, <f8, |u1, <u2, <i4 or <i8", found: descr)
        }
        let count = shape.reduce(1, *) * size
        let dataStart = start + headerLength
        guard dataStart + count <= bytes.count else {
            throw DataError.badConfig(path: path, field: "data", expected: "\(count) bytes",
                                      found: "\(bytes.count - dataStart)")
        }
        return NPYFile(dtype: descr, shape: shape, data: Array(bytes[dataStart..<(dataStart + count)]))
    }

    private init(dtype: String, shape: [Int], data: [UInt8]) {
        self.dtype = dtype
        self.shape = shape
        self.data = data
    }

    private static func elementSize(_ dtype: String) -> Int? {
        switch dtype {
        case "|u1", "<u1", "|i1": return 1
        case "<u2": return 2
        case "<f4", "<i4": return 4
        case "<f8", "<i8": return 8
        default: return nil
        }
    }

    private static func field(_ name: String, in header: String) -> String? {
        guard let key = header.range(of: "'\(name)':") else { return nil }
        let rest = header[key.upperBound...]
        let end = rest.firstIndex(of: ",") ?? rest.endIndex
        return String(rest[..<end])
    }

    /// The elements as Float (converting from f8 / integer dtypes).
    public var floats: [Float] {
        data.withUnsafeBytes { raw -> [Float] in
            switch dtype {
            case "<f4": return Array(raw.bindMemory(to: Float.self))
            case "<f8": return raw.bindMemory(to: Double.self).map { Float($0) }
            case "<u2": return raw.bindMemory(to: UInt16.self).map { Float($0) }
            case "<i4": return raw.bindMemory(to: Int32.self).map { Float($0) }
            case "<i8": return raw.bindMemory(to: Int64.self).map { Float($0) }
            default: return raw.map { Float($0) }
            }
        }
    }
}

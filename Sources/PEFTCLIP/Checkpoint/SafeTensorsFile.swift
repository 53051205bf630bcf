import Foundation

/// A read-only view of one `.safetensors` file: an 8-byte little-endian header length, a JSON header naming each
/// tensor's dtype, shape and byte range, then the raw little-endian tensor bytes.
///
/// The file is memory-mapped (`Data(contentsOf:options: .alwaysMapped)`), so opening costs only the header parse;
/// each `floats(_:)` call converts one tensor to Float32 (F16/BF16/F64 are widened or narrowed on the fly).
/// Opening validates every entry's byte range against the file size, so a truncated file fails at once, naming the
/// first tensor that does not fit.
///
/// Format: https://github.com/huggingface/safetensors#format
public struct SafeTensorsFile: Sendable {
    /// Element types PEFTLab reads (all converted to Float32) and writes (F32 only).
    public enum DType: String, Sendable, CaseIterable {
        case f32 = "F32", f16 = "F16", bf16 = "BF16", f64 = "F64"

        /// Bytes per element.
        public var size: Int {
            switch self {
            case .f32: return 4
            case .f16, .bf16: return 2
            case .f64: return 8
            }
        }
    }

    /// One tensor's header entry.
    public struct Entry: Sendable, Equatable {
        /// Dotted tensor name as stored in the header.
        public var name: String
        /// Stored element type as named in the header (`F32`, `I64`, …).
        public var dtypeName: String
        /// The element type when it is one PEFTLab converts to Float32; nil for integer, bool and FP8 tensors.
        public var dtype: DType? { DType(rawValue: dtypeName) }
        /// Row-major shape (`[]` for a scalar).
        public var shape: [Int]
        /// Byte range inside the data section (after the header).
        public var byteRange: Range<Int>
        /// Number of elements (`shape` product, 1 for a scalar).
        public var count: Int { shape.reduce(1, *) }
    }

    /// Bytes per element of every dtype the safetensors format defines.
    static let elementSizes: [String: Int] = [
        "BOOL": 1, "U8": 1, "I8": 1, "F8_E5M2": 1, "F8_E4M3": 1, "I16": 2, "U16": 2, "F16": 2, "BF16": 2,
        "I32": 4, "U32": 4, "F32": 4, "F64": 8, "I64": 8, "U64": 8,
    ]

    /// The file this view reads.
    public let path: String
    /// Header entries by tensor name.
    public let entries: [String: Entry]
    /// The optional `__metadata__` string map.
    public let metadata: [String: String]
    private let data: Data
    private let dataStart: Int

    /// Tensor names, sorted.
    public var names: [String] { entries.keys.sorted() }

    /// Maps `url` and parses its header.
    ///
    /// - Throws: `CheckpointError.missingFile`, `.truncated` (header or any tensor past the end of the file),
    ///   or `.badHeader` (length, JSON, or an entry with an unknown dtype or a bad shape/offset field). Integer
    ///   tensors (e.g. a stored `position_ids` buffer) open fine; only converting them fails.
    public init(contentsOf url: URL) throws {
        let path = url.path
        guard FileManager.default.fileExists(atPath: path) else { throw CheckpointError.missingFile(path: path) }
        let data: Data
        do {
            data = try Data(contentsOf: url, options: .alwaysMapped)
        } catch {
            throw CheckpointError.io(path: path, reason: "cannot read file (\(error.localizedDescription))")
        }
        try self.init(data: data, path: path)
    }

    /// Parses an in-memory safetensors image (used by tests and by `init(contentsOf:)`).
    ///
    /// - Throws: see `init(contentsOf:)`.
    public init(data: Data, path: String) throws {
        self.path = path
        self.data = data
        guard data.count >= 8 else {
            throw CheckpointError.truncated(path: path, needed: 8, found: data.count, tensor: nil)
        }
        let headerLength = data.withUnsafeBytes { raw in
            UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 0, as: UInt64.self))
        }
        guard headerLength <= UInt64(Int.max - 8) else {
            throw CheckpointError.badHeader(path: path, reason: "header length \(headerLength) is not plausible")
        }
        let headerEnd = 8 + Int(headerLength)
        guard headerEnd <= data.count else {
            throw CheckpointError.truncated(path: path, needed: headerEnd, found: data.count, tensor: nil)
        }
        dataStart = headerEnd
        let header = data.subdata(in: data.startIndex + 8 ..< data.startIndex + headerEnd)
        let parsed = try Self.parseHeader(header, path: path, dataSize: data.count - headerEnd)
        entries = parsed.entries
        metadata = parsed.metadata
    }

    /// Shape of tensor `name`, or nil when absent.
    public func shape(of name: String) -> [Int]? { entries[name]?.shape }

    /// The values of tensor `name` as Float32, row-major.
    ///
    /// - Complexity: O(count): one pass over the mapped bytes.
    /// - Throws: `CheckpointError.missingTensor` or `.unsupportedDType` (integer, bool and FP8 tensors).
    public func floats(_ name: String) throws -> [Float] {
        guard let entry = entries[name] else { throw CheckpointError.missingTensor(path: path, tensor: name) }
        return try convert(entry)
    }

    /// The values of tensor `name`, checking its shape first.
    ///
    /// - Throws: `CheckpointError.missingTensor` or `.shapeMismatch` naming the tensor and both shapes.
    public func floats(_ name: String, shape: [Int]) throws -> [Float] {
        guard let entry = entries[name] else { throw CheckpointError.missingTensor(path: path, tensor: name) }
        guard entry.shape == shape else {
            throw CheckpointError.shapeMismatch(path: path, tensor: name, expected: shape, found: entry.shape)
        }
        return try convert(entry)
    }

    private func convert(_ entry: Entry) throws -> [Float] {
        guard let dtype = entry.dtype else {
            throw CheckpointError.unsupportedDType(path: path, tensor: entry.name, dtype: entry.dtypeName)
        }
        let count = entry.count
        if count == 0 { return [] }
        let offset = dataStart + entry.byteRange.lowerBound
        return data.withUnsafeBytes { raw -> [Float] in
            let base = raw.baseAddress! + offset
            return [Float](unsafeUninitializedCapacity: count) { out, initialized in
                switch dtype {
                case .f32:
                    _ = memcpy(out.baseAddress!, base, count * 4)
                    #if _endian(big)
                    for i in 0 ..< count { out[i] = Float(bitPattern: UInt32(littleEndian: out[i].bitPattern)) }
                    #endif
                case .f16:
                    for i in 0 ..< count {
                        let bits = UInt16(littleEndian: base.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))
                        out[i] = Self.halfToFloat(bits)
                    }
                case .bf16:
                    for i in 0 ..< count {
                        let bits = UInt16(littleEndian: base.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))
                        out[i] = Float(bitPattern: UInt32(bits) << 16)
                    }
                case .f64:
                    for i in 0 ..< count {
                        let bits = UInt64(littleEndian: base.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self))
                        out[i] = Float(Double(bitPattern: bits))
                    }
                }
                initialized = count
            }
        }
    }

    /// IEEE 754 binary16 → binary32, exact (subnormals, infinities and NaN included).
    static func halfToFloat(_ bits: UInt16) -> Float {
        let sign = UInt32(bits & 0x8000) << 16
        let exponent = Int((bits >> 10) & 0x1F)
        let mantissa = UInt32(bits & 0x3FF)
        if exponent == 0x1F { return Float(bitPattern: sign | 0x7F80_0000 | (mantissa << 13)) }
        if exponent == 0 {
            let magnitude = Float(mantissa) * Float(sign: .plus, exponent: -24, significand: 1)
            return sign == 0 ? magnitude : -magnitude
        }
        return Float(bitPattern: sign | (UInt32(exponent + 112) << 23) | (mantissa << 13))
    }
}

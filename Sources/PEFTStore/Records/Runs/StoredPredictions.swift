import Foundation

/// What a run predicted on one split, with the targets, in the compact binary layout of `predictions.data`.
///
/// Enough to recompute every classification, regression or retrieval metric and to pair two runs example by
/// example (bootstrap, McNemar). Layout, little-endian: `PLP1`, kind (UInt8: 0 classes, 1 scores, 2 embeddings),
/// flags (UInt8, bit 0: example ids present), 2 reserved bytes, then UInt32 count, UInt32 classes (or embedding
/// width), UInt32 batch size; then Int64 × count example ids when flagged; then the values of the kind. About
/// 16 bytes per example for classification and regression (24 with ids).
public struct StoredPredictions: Sendable, Equatable {
    /// The values of one task kind.
    public enum Values: Sendable, Equatable {
        /// Predicted and target class per example, and the number of classes of the head.
        case classes(predicted: [Int32], targets: [Int32], classes: Int)
        /// Predicted and target score per example (regression).
        case scores(predicted: [Double], targets: [Double])
        /// L2-normalisable image and text embeddings, row-major `[count, width]`, and the evaluation batch size
        /// (the in-batch retrieval metrics need it).
        case embeddings(images: [Float], texts: [Float], width: Int, batchSize: Int)
    }

    /// `examples.id` per prediction, in order; empty when the split was read without ids.
    public var exampleIDs: [Int64]
    public var values: Values

    public init(exampleIDs: [Int64], values: Values) {
        self.exampleIDs = exampleIDs
        self.values = values
    }

    /// Examples predicted.
    public var count: Int {
        switch values {
        case .classes(let predicted, _, _): return predicted.count
        case .scores(let predicted, _): return predicted.count
        case .embeddings(let images, _, let width, _): return width > 0 ? images.count / width : 0
        }
    }

    /// `predictions.kind` for these values.
    public var kind: String {
        switch values {
        case .classes: return "classes"
        case .scores: return "scores"
        case .embeddings: return "embeddings"
        }
    }

    private static let magic: [UInt8] = Array("PLP1".utf8)

    /// The blob stored in `predictions.data`.
    public func encoded() -> Data {
        var out = Data(Self.magic)
        let n = count
        func put<T: FixedWidthInteger>(_ value: T) { withUnsafeBytes(of: value.littleEndian) { out.append(contentsOf: $0) } }
        func putAll<T>(_ values: [T]) { values.withUnsafeBytes { out.append(contentsOf: $0) } }
        let kindByte: UInt8, second: Int, batch: Int
        switch values {
        case .classes(_, _, let classes): (kindByte, second, batch) = (0, classes, 0)
        case .scores: (kindByte, second, batch) = (1, 0, 0)
        case .embeddings(_, _, let width, let batchSize): (kindByte, second, batch) = (2, width, batchSize)
        }
        out.append(contentsOf: [kindByte, exampleIDs.isEmpty ? 0 : 1, 0, 0])
        put(UInt32(n)); put(UInt32(second)); put(UInt32(batch))
        putAll(exampleIDs.map(\.littleEndian))
        switch values {
        case .classes(let predicted, let targets, _): putAll(predicted.map(\.littleEndian)); putAll(targets.map(\.littleEndian))
        case .scores(let predicted, let targets): putAll(predicted.map(\.bitPattern.littleEndian)); putAll(targets.map(\.bitPattern.littleEndian))
        case .embeddings(let images, let texts, _, _): putAll(images.map(\.bitPattern.littleEndian)); putAll(texts.map(\.bitPattern.littleEndian))
        }
        return out
    }

    /// Decodes a `predictions.data` blob; `origin` names the row in errors (e.g. `run 7, test, step 40`).
    /// - Throws: `StoreError.corruptRow` naming the row and what does not fit (magic, kind, length).
    public init(decoding data: Data, origin: String) throws {
        let bytes = [UInt8](data)
        func corrupt(_ detail: String) -> StoreError { .corruptRow(table: "predictions", detail: "\(origin): \(detail)") }
        guard bytes.count >= 20, Array(bytes[0 ..< 4]) == Self.magic else {
            throw corrupt("not a PLP1 predictions blob (\(bytes.count) bytes)")
        }
        var offset = 8
        func u32() -> Int {
            defer { offset += 4 }
            return Int(UInt32(bytes[offset]) | UInt32(bytes[offset + 1]) << 8 | UInt32(bytes[offset + 2]) << 16 | UInt32(bytes[offset + 3]) << 24)
        }
        let n = u32(), second = u32(), batch = u32()
        let kind = bytes[4], hasIDs = bytes[5] & 1 == 1
        let valueBytes: Int
        switch kind {
        case 0: valueBytes = n * 8
        case 1: valueBytes = n * 16
        case 2: valueBytes = n * second * 8
        default: throw corrupt("unknown kind \(kind)")
        }
        let expected = 20 + (hasIDs ? n * 8 : 0) + valueBytes
        guard bytes.count == expected else { throw corrupt("\(bytes.count) bytes, expected \(expected) for \(n) examples") }
        func read<T: FixedWidthInteger>(_ count: Int, as type: T.Type) -> [T] {
            defer { offset += count * MemoryLayout<T>.size }
            return (0 ..< count).map { i in
                var value: T = 0
                withUnsafeMutableBytes(of: &value) { raw in
                    for b in 0 ..< MemoryLayout<T>.size { raw[b] = bytes[offset + i * MemoryLayout<T>.size + b] }
                }
                return T(littleEndian: value)
            }
        }
        exampleIDs = hasIDs ? read(n, as: Int64.self) : []
        switch kind {
        case 0:
            values = .classes(predicted: read(n, as: Int32.self), targets: read(n, as: Int32.self), classes: second)
        case 1:
            values = .scores(predicted: read(n, as: UInt64.self).map(Double.init(bitPattern:)),
                             targets: read(n, as: UInt64.self).map(Double.init(bitPattern:)))
        default:
            values = .embeddings(images: read(n * second, as: UInt32.self).map(Float.init(bitPattern:)),
                                 texts: read(n * second, as: UInt32.self).map(Float.init(bitPattern:)),
                                 width: second, batchSize: batch)
        }
    }
}

import Foundation

extension SafeTensorsWriter {
    /// The safetensors bytes of `items` in memory (for checkpoints stored as database BLOBs).
    ///
    /// Same layout as `write(_:metadata:to:)`: tensors in name order, header padded to 8 bytes, F32 little-endian.
    public static func encode(_ items: [Item], metadata: [String: String] = [:]) throws -> Data {
        let sorted = items.sorted { $0.name < $1.name }
        let json = try header(sorted, metadata: metadata)
        let offset = sorted.reduce(0) { $0 + $1.values.count * 4 }
        var out = Data(capacity: 8 + json.count + offset)
        var length = UInt64(json.count).littleEndian
        out.append(Data(bytes: &length, count: 8))
        out.append(json)
        for item in sorted {
            item.values.withUnsafeBufferPointer { buffer in
                #if _endian(big)
                let swapped = buffer.map { $0.bitPattern.littleEndian }
                swapped.withUnsafeBytes { out.append(contentsOf: $0) }
                #else
                out.append(Data(buffer: buffer))
                #endif
            }
        }
        return out
    }
}

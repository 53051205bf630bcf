import Foundation

/// Writes Float32 tensors in the safetensors format that `transformers`/`safetensors` read.
///
/// Tensors are written in name order, the header padded with spaces to a multiple of 8 bytes (as the reference
/// implementation does) and the file streamed tensor by tensor, so a 600 MB ViT-B/32 checkpoint never needs a second
/// copy in memory. The file is written to a temporary name and renamed into place.
public enum SafeTensorsWriter {
    /// One tensor to write: dotted name, row-major shape (`[]` for a scalar) and `shape.product` values.
    public struct Item {
        /// Dotted tensor name.
        public var name: String
        /// Row-major shape.
        public var shape: [Int]
        /// Values, `shape` product of them.
        public var values: [Float]
        /// Creates an item; `values.count` must equal the shape's product.
        public init(name: String, shape: [Int], values: [Float]) {
            precondition(values.count == shape.reduce(1, *),
                         "SafeTensorsWriter.Item '\(name)': \(values.count) values for shape \(shape)")
            self.name = name
            self.shape = shape
            self.values = values
        }
    }

    /// Writes `items` (names must be unique) and optional string `metadata` to `url`.
    ///
    /// - Throws: `CheckpointError.io` when the file cannot be created or written.
    public static func write(_ items: [Item], metadata: [String: String] = [:], to url: URL) throws {
        let sorted = items.sorted { $0.name < $1.name }
        let json: Data
        do {
            json = try header(sorted, metadata: metadata)
        } catch {
            throw CheckpointError.io(path: url.path, reason: "cannot encode header (\(error.localizedDescription))")
        }

        let temporary = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).\(ProcessInfo.processInfo.processIdentifier).tmp")
        guard FileManager.default.createFile(atPath: temporary.path, contents: nil) else {
            throw CheckpointError.io(path: url.path, reason: "cannot create file")
        }
        do {
            let handle = try FileHandle(forWritingTo: temporary)
            defer { try? handle.close() }
            var length = UInt64(json.count).littleEndian
            try handle.write(contentsOf: Data(bytes: &length, count: 8))
            try handle.write(contentsOf: json)
            for item in sorted {
                try item.values.withUnsafeBufferPointer { buffer in
                    #if _endian(big)
                    let swapped = buffer.map { $0.bitPattern.littleEndian }
                    try handle.write(contentsOf: swapped.withUnsafeBytes { Data($0) })
                    #else
                    try handle.write(contentsOf: Data(buffer: buffer))
                    #endif
                }
            }
            try handle.synchronize()
            try handle.close()
            if FileManager.default.fileExists(atPath: url.path) { try FileManager.default.removeItem(at: url) }
            try FileManager.default.moveItem(at: temporary, to: url)
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw CheckpointError.io(path: url.path, reason: "cannot write file (\(error.localizedDescription))")
        }
    }

    /// The JSON header of name-sorted `items`: dtype, shape and byte range of each, padded with spaces to a
    /// multiple of 8 bytes (as the reference implementation does). Names must be unique.
    static func header(_ sorted: [Item], metadata: [String: String]) throws -> Data {
        precondition(Set(sorted.map(\.name)).count == sorted.count, "SafeTensorsWriter: duplicate tensor names")
        var header: [String: Any] = [:]
        var offset = 0
        for item in sorted {
            let bytes = item.values.count * 4
            header[item.name] = ["dtype": "F32", "shape": item.shape, "data_offsets": [offset, offset + bytes]]
            offset += bytes
        }
        if !metadata.isEmpty { header["__metadata__"] = metadata }
        var json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        json.append(contentsOf: [UInt8](repeating: UInt8(ascii: " "), count: (8 - json.count % 8) % 8))
        return json
    }
}

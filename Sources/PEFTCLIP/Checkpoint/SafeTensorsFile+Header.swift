import Foundation

extension SafeTensorsFile {
    /// Parses the JSON header and checks every entry: known dtype, non-negative integer shape, byte range inside
    /// the data section whose length matches `shape` × dtype size.
    static func parseHeader(_ header: Data, path: String, dataSize: Int)
        throws -> (entries: [String: Entry], metadata: [String: String])
    {
        guard header.first == UInt8(ascii: "{") else {
            throw CheckpointError.badHeader(path: path, reason: "header does not start with '{'")
        }
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: header)
        } catch {
            throw CheckpointError.badHeader(path: path, reason: "header is not valid JSON")
        }
        guard let root = object as? [String: Any] else {
            throw CheckpointError.badHeader(path: path, reason: "header is not a JSON object")
        }
        var entries: [String: Entry] = [:]
        var metadata: [String: String] = [:]
        for (name, value) in root {
            if name == "__metadata__" {
                guard let map = value as? [String: Any] else {
                    throw CheckpointError.badHeader(path: path, reason: "'__metadata__' is not an object")
                }
                for (key, item) in map { metadata[key] = item as? String ?? "\(item)" }
                continue
            }
            entries[name] = try parseEntry(name: name, value: value, path: path, dataSize: dataSize)
        }
        return (entries, metadata)
    }

    private static func parseEntry(name: String, value: Any, path: String, dataSize: Int) throws -> Entry {
        guard let fields = value as? [String: Any] else {
            throw CheckpointError.badHeader(path: path, reason: "entry '\(name)' is not an object")
        }
        guard let dtypeName = fields["dtype"] as? String else {
            throw CheckpointError.badHeader(path: path, reason: "entry '\(name)' has no string 'dtype'")
        }
        guard let elementSize = elementSizes[dtypeName] else {
            throw CheckpointError.badHeader(path: path, reason: "entry '\(name)' has unknown dtype '\(dtypeName)'")
        }
        // The element count must be representable (a hostile header could overflow the product and trap).
        guard let shape = integers(fields["shape"]), shape.allSatisfy({ $0 >= 0 }),
              shape.reduce(Optional(elementSize), { total, dim in
                  total.flatMap { let (p, o) = $0.multipliedReportingOverflow(by: dim); return o ? nil : p }
              }) != nil
        else {
            throw CheckpointError.badHeader(path: path, reason: "entry '\(name)' has no valid 'shape'")
        }
        guard let offsets = integers(fields["data_offsets"]), offsets.count == 2,
              offsets[0] >= 0, offsets[0] <= offsets[1]
        else {
            throw CheckpointError.badHeader(path: path, reason: "entry '\(name)' has no valid 'data_offsets'")
        }
        let entry = Entry(name: name, dtypeName: dtypeName, shape: shape, byteRange: offsets[0] ..< offsets[1])
        guard entry.byteRange.count == entry.count * elementSize else {
            throw CheckpointError.badHeader(
                path: path,
                reason: "entry '\(name)' spans \(entry.byteRange.count) bytes but \(dtypeName) \(shape) needs "
                    + "\(entry.count * elementSize)")
        }
        guard offsets[1] <= dataSize else {
            throw CheckpointError.truncated(path: path, needed: offsets[1], found: dataSize, tensor: name)
        }
        return entry
    }

    /// Reads a JSON array of integers (JSONSerialization yields NSNumber/Int/Double depending on platform).
    private static func integers(_ value: Any?) -> [Int]? {
        guard let array = value as? [Any] else { return nil }
        var result: [Int] = []
        result.reserveCapacity(array.count)
        for item in array {
            if let int = item as? Int {
                result.append(int)
            } else if let double = item as? Double, double.rounded() == double, abs(double) < 1e15 {
                result.append(Int(double))
            } else {
                return nil
            }
        }
        return result
    }
}

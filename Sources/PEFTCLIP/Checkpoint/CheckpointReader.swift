import Foundation

/// The tensors of a backbone directory: `model.safetensors`, or the shards listed by
/// `model.safetensors.index.json` (`weight_map`: tensor → shard file), behind one name → tensor lookup.
public struct CheckpointReader: Sendable {
    /// The directory read.
    public let directory: URL
    /// Where each tensor lives.
    public let locations: [String: Int]
    /// The opened files (one unless sharded).
    public let files: [SafeTensorsFile]

    /// Opens the weights of `directory`.
    ///
    /// - Throws: `CheckpointError.missingFile` (naming `model.safetensors`, and mentioning a `pytorch_model.bin`
    ///   that cannot be read instead), `.badConfig` for a bad index, or any error of `SafeTensorsFile`.
    public init(directory: URL) throws {
        self.directory = directory
        let single = directory.appendingPathComponent("model.safetensors")
        let index = directory.appendingPathComponent("model.safetensors.index.json")
        let manager = FileManager.default
        if manager.fileExists(atPath: single.path) {
            let file = try SafeTensorsFile(contentsOf: single)
            files = [file]
            locations = Dictionary(uniqueKeysWithValues: file.entries.keys.map { ($0, 0) })
        } else if manager.fileExists(atPath: index.path) {
            let json = try JSONObject.read(index)
            guard let map = json.values["weight_map"] as? [String: Any] else {
                throw json.error("weight_map", expected: "an object of tensor → shard file", found: json.values["weight_map"] ?? "nothing")
            }
            var shardIndex: [String: Int] = [:]
            var files: [SafeTensorsFile] = []
            var locations: [String: Int] = [:]
            for (tensor, value) in map {
                guard let shard = value as? String else {
                    throw json.error("weight_map.\(tensor)", expected: "a file name", found: value)
                }
                if shardIndex[shard] == nil {
                    shardIndex[shard] = files.count
                    files.append(try SafeTensorsFile(contentsOf: directory.appendingPathComponent(shard)))
                }
                locations[tensor] = shardIndex[shard]
            }
            for (tensor, fileIndex) in locations where files[fileIndex].entries[tensor] == nil {
                throw CheckpointError.missingTensor(path: files[fileIndex].path, tensor: tensor)
            }
            self.files = files
            self.locations = locations
        } else {
            let legacy = directory.appendingPathComponent("pytorch_model.bin")
            if manager.fileExists(atPath: legacy.path) {
                throw CheckpointError.missingFile(
                    path: single.path + " (only pytorch_model.bin exists; re-save it with save_pretrained(safe_serialization=True))")
            }
            throw CheckpointError.missingFile(path: single.path)
        }
    }

    /// The file holding the tensors (the first shard when sharded), for messages.
    public var path: String { files.count == 1 ? files[0].path : directory.appendingPathComponent("model.safetensors.index.json").path }

    /// Shape of every stored tensor.
    public var shapes: [String: [Int]] {
        locations.reduce(into: [:]) { result, item in result[item.key] = files[item.value].entries[item.key]?.shape }
    }

    /// The values of `name` as Float32 after checking `shape`.
    ///
    /// - Throws: `CheckpointError.missingTensor`, `.shapeMismatch` or `.unsupportedDType`.
    public func floats(_ name: String, shape: [Int]) throws -> [Float] {
        guard let file = locations[name] else { throw CheckpointError.missingTensor(path: path, tensor: name) }
        return try files[file].floats(name, shape: shape)
    }
}

import Foundation
import PEFTTensor

extension CLIPModel {
    /// Loads `config.json` and `model.safetensors` (or its sharded form) from a transformers-style directory.
    ///
    /// All keys are checked before any tensor is read: every missing, unexpected and mis-shaped key is reported in
    /// one `CheckpointError.keyMismatch`. Stored `position_ids` buffers (older checkpoints) are ignored; F16/BF16/F64
    /// tensors are converted to Float32.
    /// - Throws: `CheckpointError` naming the file and the problem.
    public static func load(from directory: URL) throws -> CLIPModel {
        let config = try CLIPConfig.load(from: directory.appendingPathComponent("config.json"))
        return try load(config: config, checkpoint: CheckpointReader(directory: directory))
    }

    /// Loads the weights of `checkpoint` for `config` (see `load(from:)`).
    ///
    /// - Throws: `CheckpointError.keyMismatch`, `.unsupportedDType` or a read error.
    public static func load(config: CLIPConfig, checkpoint: CheckpointReader) throws -> CLIPModel {
        let specs = config.parameterSpecs()
        let stored = checkpoint.shapes
        var missing: [String] = []
        var misshaped: [CheckpointError.ShapeMismatch] = []
        for spec in specs {
            guard let shape = stored[spec.name] else {
                missing.append(spec.name)
                continue
            }
            if shape != spec.shape { misshaped.append(.init(name: spec.name, expected: spec.shape, found: shape)) }
        }
        let expected = Set(specs.map(\.name))
        let unexpected = stored.keys.filter { !expected.contains($0) && !$0.hasSuffix("position_ids") }.sorted()
        if !missing.isEmpty || !unexpected.isEmpty || !misshaped.isEmpty {
            throw CheckpointError.keyMismatch(path: checkpoint.path, missing: missing, unexpected: unexpected,
                                              misshaped: misshaped)
        }
        var tensors: [String: Tensor] = [:]
        for spec in specs {
            tensors[spec.name] = Tensor(shape: spec.shape, storage: try checkpoint.floats(spec.name, shape: spec.shape),
                                        name: spec.name)
        }
        return CLIPModel(config: config, tensors: tensors)
    }

    /// Writes `config.json` and `model.safetensors` (Float32, base weights under HF keys) into `directory`,
    /// creating it if needed; transformers' `CLIPModel.from_pretrained` reads the result.
    ///
    /// Wrapped linears are saved by their `base` (merge a LoRA first to bake it in); adapters and hooks are not
    /// part of the backbone and are not written.
    /// - Throws: `CheckpointError.io`.
    public func save(to directory: URL) throws {
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw CheckpointError.io(path: directory.path, reason: "cannot create directory (\(error.localizedDescription))")
        }
        try config.write(to: directory.appendingPathComponent("config.json"))
        let items = baseParameters().map { SafeTensorsWriter.Item(name: $0.0, shape: $0.1.shape, values: $0.1.storage) }
        try SafeTensorsWriter.write(items, metadata: ["format": "pt"], to: directory.appendingPathComponent("model.safetensors"))
    }

    /// A randomly initialised model following transformers' `_init_weights` (see `CLIPParameterSpec`), reproducible
    /// from `seed` (each tensor draws from its own stream, so adding a tensor does not shift the others).
    public static func random(config: CLIPConfig, seed: UInt64) -> CLIPModel {
        CLIPModel(config: config, tensors: randomTensors(config.parameterSpecs(), seed: seed))
    }

    /// Random tensors for `specs` by HF key.
    static func randomTensors(_ specs: [CLIPParameterSpec], seed: UInt64) -> [String: Tensor] {
        var tensors: [String: Tensor] = [:]
        for (index, spec) in specs.enumerated() {
            let tensor: Tensor
            switch spec.initialization {
            case .normal(let std):
                var rng = RNG(seed: seed, stream: UInt64(index))
                tensor = Tensor.randn(spec.shape, std: std, rng: &rng)
            case .zeros: tensor = Tensor.zeros(spec.shape)
            case .ones: tensor = Tensor.ones(spec.shape)
            case .constant(let value): tensor = Tensor.full(spec.shape, value: value)
            }
            tensor.name = spec.name
            tensors[spec.name] = tensor
        }
        return tensors
    }
}

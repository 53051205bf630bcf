import Foundation
import PEFTCLIP
import PEFTTensor

extension GPT2Model {
    /// The four `Conv1D` weights of a block, stored `[in, out]` by transformers and transposed here.
    static let conv1DSuffixes = ["attn.c_attn.weight", "attn.c_proj.weight", "mlp.c_fc.weight", "mlp.c_proj.weight"]

    /// Names and checkpoint shapes of every tensor of a model of this config (under `transformer.`).
    static func checkpointSpecs(_ config: GPT2Config) -> [(name: String, shape: [Int])] {
        let d = config.hiddenSize, m = config.mlpSize
        var specs: [(String, [Int])] = [("transformer.wte.weight", [config.vocabSize, d]),
                                        ("transformer.wpe.weight", [config.maxPositions, d])]
        for i in 0 ..< config.layers {
            let p = "transformer.h.\(i)."
            specs += [(p + "ln_1.weight", [d]), (p + "ln_1.bias", [d]),
                      (p + "attn.c_attn.weight", [d, 3 * d]), (p + "attn.c_attn.bias", [3 * d]),
                      (p + "attn.c_proj.weight", [d, d]), (p + "attn.c_proj.bias", [d]),
                      (p + "ln_2.weight", [d]), (p + "ln_2.bias", [d]),
                      (p + "mlp.c_fc.weight", [d, m]), (p + "mlp.c_fc.bias", [m]),
                      (p + "mlp.c_proj.weight", [m, d]), (p + "mlp.c_proj.bias", [d])]
        }
        return specs + [("transformer.ln_f.weight", [d]), ("transformer.ln_f.bias", [d])]
    }

    /// Loads `config.json` and `model.safetensors` (or its sharded form) from a transformers GPT-2 directory.
    ///
    /// Keys may carry the `transformer.` prefix (`GPT2LMHeadModel.save_pretrained`) or not (the original GPT-2 and
    /// distilgpt2 uploads); the causal-mask buffers (`attn.bias`, `attn.masked_bias`) and a stored `lm_head.weight`
    /// (tied to `wte`) are ignored. Every missing, unexpected and mis-shaped key is reported at once. The weights are
    /// frozen.
    /// - Throws: `CheckpointError` naming the file and the problem.
    public static func load(from directory: URL) throws -> GPT2Model {
        let config = try GPT2Config.load(from: directory.appendingPathComponent("config.json"))
        let checkpoint = try CheckpointReader(directory: directory)
        var stored: [String: (key: String, shape: [Int])] = [:]
        var unexpected: [String] = []
        for (key, shape) in checkpoint.shapes {
            if key.hasSuffix(".attn.bias") || key.hasSuffix(".attn.masked_bias") || key == "lm_head.weight" { continue }
            let name = key.hasPrefix("transformer.") ? key : "transformer." + key
            if stored[name] != nil { unexpected.append(key) }
            stored[name] = (key, shape)
        }
        let specs = checkpointSpecs(config)
        var missing: [String] = []
        var misshaped: [CheckpointError.ShapeMismatch] = []
        for spec in specs {
            guard let entry = stored[spec.name] else {
                missing.append(spec.name)
                continue
            }
            if entry.shape != spec.shape { misshaped.append(.init(name: entry.key, expected: spec.shape, found: entry.shape)) }
        }
        let expected = Set(specs.map(\.name))
        unexpected += stored.filter { !expected.contains($0.key) }.map { $0.value.key }
        if !missing.isEmpty || !unexpected.isEmpty || !misshaped.isEmpty {
            throw CheckpointError.keyMismatch(path: checkpoint.path, missing: missing, unexpected: unexpected.sorted(),
                                              misshaped: misshaped)
        }
        var tensors: [String: Tensor] = [:]
        for spec in specs {
            var values = try checkpoint.floats(stored[spec.name]!.key, shape: spec.shape)
            var shape = spec.shape
            if conv1DSuffixes.contains(where: { spec.name.hasSuffix($0) }) {
                values = transpose(values, rows: shape[0], columns: shape[1])
                shape = [shape[1], shape[0]]
            }
            tensors[spec.name] = Tensor(shape: shape, storage: values, name: spec.name)
        }
        return GPT2Model(config: config, tensors: tensors)
    }

    /// A model around `tensors` named as in `checkpointSpecs` (Conv1D weights already `[out, in]`).
    convenience init(config: GPT2Config, tensors: [String: Tensor]) {
        let eps = Float(config.layerNormEps)
        func norm(_ p: String) -> LayerNorm { LayerNorm(weight: tensors[p + ".weight"]!, bias: tensors[p + ".bias"]!, eps: eps) }
        func linear(_ p: String) -> Linear { Linear(weight: tensors[p + ".weight"]!, bias: tensors[p + ".bias"]!) }
        let blocks = (0 ..< config.layers).map { i in
            let p = "transformer.h.\(i)."
            return GPT2Block(ln1: norm(p + "ln_1"), attention: linear(p + "attn.c_attn"),
                             attentionProjection: linear(p + "attn.c_proj"), ln2: norm(p + "ln_2"),
                             fc: linear(p + "mlp.c_fc"), projection: linear(p + "mlp.c_proj"), heads: config.heads)
        }
        self.init(config: config, tokenEmbedding: tensors["transformer.wte.weight"]!,
                  positionEmbedding: tensors["transformer.wpe.weight"]!, blocks: blocks, finalNorm: norm("transformer.ln_f"))
    }

    /// Writes `config.json` and `model.safetensors` (Float32, transformers' keys and `[in, out]` Conv1D layout) into
    /// `directory`, creating it; `GPT2LMHeadModel.from_pretrained` reads the result.
    /// - Throws: `CheckpointError.io`.
    public func save(to directory: URL) throws {
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw CheckpointError.io(path: directory.path, reason: "cannot create directory (\(error.localizedDescription))")
        }
        try config.write(to: directory.appendingPathComponent("config.json"))
        let items = namedParameters().map { name, tensor in
            Self.conv1DSuffixes.contains(where: { name.hasSuffix($0) })
                ? SafeTensorsWriter.Item(name: name, shape: [tensor.shape[1], tensor.shape[0]],
                                         values: Self.transpose(tensor.storage, rows: tensor.shape[0], columns: tensor.shape[1]))
                : SafeTensorsWriter.Item(name: name, shape: tensor.shape, values: tensor.storage)
        }
        try SafeTensorsWriter.write(items, metadata: ["format": "pt"], to: directory.appendingPathComponent("model.safetensors"))
    }

    static func transpose(_ values: [Float], rows: Int, columns: Int) -> [Float] {
        var out = [Float](repeating: 0, count: values.count)
        for r in 0 ..< rows { for c in 0 ..< columns { out[c * rows + r] = values[r * columns + c] } }
        return out
    }
}

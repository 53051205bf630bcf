import Foundation
import PEFTCLIP
import PEFTTensor

/// An adapter in Hugging Face PEFT's on-disk format: `adapter_config.json` + `adapter_model.safetensors` with
/// PEFT's key names (`base_model.model.vision_model.encoder.layers.0.self_attn.q_proj.lora_A.weight`), so
/// `PeftModel.from_pretrained(CLIPModel.from_pretrained(backbone), DIR)` loads what PEFTLab trained and
/// `peftlab embed --adapter DIR` applies what peft trained.
public struct PEFTAdapter {
    /// `adapter_config.json` as a JSON object.
    public var config: [String: Any]
    /// Tensors under PEFT's keys.
    public var tensors: [SafeTensorsWriter.Item]

    /// PEFT's key prefix for modules of the wrapped model.
    public static let keyPrefix = "base_model.model."

    public init(config: [String: Any], tensors: [SafeTensorsWriter.Item]) {
        self.config = config
        self.tensors = tensors
    }

    /// Writes both files into `directory` (created if needed).
    /// - Throws: `CheckpointError.io`.
    public func write(to directory: URL) throws {
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw CheckpointError.io(path: directory.path, reason: "cannot create the directory (\(error.localizedDescription))")
        }
        try writeJSON(config, to: directory.appendingPathComponent("adapter_config.json"))
        try SafeTensorsWriter.write(tensors, metadata: ["format": "pt"],
                                    to: directory.appendingPathComponent("adapter_model.safetensors"))
    }

    /// Reads an adapter directory.
    /// - Throws: `CheckpointError` naming the file.
    public static func load(from directory: URL) throws -> PEFTAdapter {
        let configURL = directory.appendingPathComponent("adapter_config.json")
        guard let data = FileManager.default.contents(atPath: configURL.path) else {
            throw CheckpointError.missingFile(path: configURL.path)
        }
        guard let config = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw CheckpointError.badConfig(path: configURL.path, field: "(file)", expected: "a JSON object", found: "invalid JSON")
        }
        let weightsURL = directory.appendingPathComponent("adapter_model.safetensors")
        guard FileManager.default.fileExists(atPath: weightsURL.path) else { throw CheckpointError.missingFile(path: weightsURL.path) }
        let file = try SafeTensorsFile(contentsOf: weightsURL)
        let tensors = try file.names.map { name in
            SafeTensorsWriter.Item(name: name, shape: file.shape(of: name) ?? [], values: try file.floats(name))
        }
        return PEFTAdapter(config: config, tensors: tensors)
    }

    /// A LoRA adapter of `model`'s wrapped linears at `layers` (tower, 0-based index) and `targets`.
    static func lora(model: CLIPModel, rank: Int, alpha: Double, dropout: Double, targets: [LinearSlot],
                     layers: [(TowerKind, Int)]) -> PEFTAdapter {
        var items: [SafeTensorsWriter.Item] = []
        var paths: [String] = []
        for (tower, index) in layers {
            let layer = model.layers(tower)[index]
            for slot in targets {
                guard let lora = slot.get(layer) as? LoRALinear else { continue }
                let path = slot.path(tower, layer: index)
                paths.append(path)
                items.append(.init(name: keyPrefix + path + ".lora_A.weight", shape: lora.loraA.shape, values: lora.loraA.storage))
                items.append(.init(name: keyPrefix + path + ".lora_B.weight", shape: lora.loraB.shape, values: lora.loraB.storage))
            }
        }
        var config = baseConfig(type: "LORA")
        config["layers_to_transform"] = NSNull()
        config["layers_pattern"] = NSNull()
        config["r"] = rank
        config["lora_alpha"] = alpha
        config["lora_dropout"] = dropout
        config["target_modules"] = targetModules(paths: paths, model: model, slots: targets)
        for key in ["fan_in_fan_out", "use_rslora", "use_dora"] { config[key] = false }
        config["bias"] = "none"
        config["init_lora_weights"] = true
        config["rank_pattern"] = [String: Any]()
        config["alpha_pattern"] = [String: Any]()
        return PEFTAdapter(config: config, tensors: items)
    }

    /// The fields every PEFT adapter config carries (PEFT warns about fields a config type does not declare, so
    /// method-specific ones such as LoRA's `layers_to_transform` are added by each method).
    static func baseConfig(type: String) -> [String: Any] {
        ["peft_type": type, "task_type": NSNull(), "base_model_name_or_path": NSNull(), "revision": NSNull(),
         "inference_mode": true, "modules_to_save": NSNull(), "auto_mapping": NSNull()]
    }

    /// PEFT's `target_modules`: the module names when every layer of both towers is adapted, otherwise a regex that
    /// matches exactly the adapted module paths (PEFT full-matches a string `target_modules` against each path).
    static func targetModules(paths: [String], model: CLIPModel, slots: [LinearSlot]) -> Any {
        let everywhere = TowerKind.allCases.flatMap { tower in
            model.layers(tower).indices.flatMap { index in slots.map { $0.path(tower, layer: index) } }
        }
        if Set(everywhere) == Set(paths) { return slots.map(\.moduleName).sorted() }
        return "^(" + paths.map { $0.replacingOccurrences(of: ".", with: "\\.") }.joined(separator: "|") + ")$"
    }

    /// Applies a LoRA or IA3 adapter to `model` (wrapping its linears in place; inference only, no dropout).
    /// - Throws: `CheckpointError` for an unsupported adapter type or option, or keys that name no module of the model.
    public func apply(to model: CLIPModel, path: String) throws {
        let type = config["peft_type"] as? String ?? "?"
        switch type {
        case "LORA": try applyLoRA(to: model, path: path)
        case "IA3": try applyIA3(to: model, path: path)
        default: throw CheckpointError.badConfig(path: path, field: "peft_type", expected: "LORA or IA3", found: type)
        }
    }

    /// Wraps `model`'s linears named by a LoRA adapter's tensors.
    private func applyLoRA(to model: CLIPModel, path: String) throws {
        if config["use_dora"] as? Bool == true {
            throw CheckpointError.badConfig(path: path, field: "use_dora", expected: "false (DoRA is not supported)", found: "true")
        }
        guard let rank = (config["r"] as? NSNumber)?.doubleValue, rank > 0 else {
            throw CheckpointError.badConfig(path: path, field: "r", expected: "a positive rank", found: "\(config["r"] ?? "missing")")
        }
        let alpha = (config["lora_alpha"] as? NSNumber)?.doubleValue ?? rank
        let scale = Float(config["use_rslora"] as? Bool == true ? alpha / rank.squareRoot() : alpha / rank)
        let byName = Dictionary(tensors.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        let mode = ForwardMode()
        var unknown: [String] = []
        for (name, a) in byName where name.hasSuffix(".lora_A.weight") {
            let module = String(name.dropFirst(name.hasPrefix(Self.keyPrefix) ? Self.keyPrefix.count : 0)
                .dropLast(".lora_A.weight".count))
            guard let (layer, slot) = Self.locate(module, in: model), let b = byName[String(name.dropLast("lora_A.weight".count)) + "lora_B.weight"] else {
                unknown.append(name)
                continue
            }
            let base = slot.get(layer).base
            let (output, input) = (base.weight.shape[0], base.weight.shape[1])
            guard a.shape.count == 2, a.shape[1] == input, b.shape == [output, a.shape[0]] else {
                throw CheckpointError.shapeMismatch(path: path, tensor: name, expected: [Int(rank), input], found: a.shape)
            }
            slot.set(layer, LoRALinear(wrapping: base, loraA: Tensor(shape: a.shape, storage: a.values),
                                       loraB: Tensor(shape: b.shape, storage: b.values), scale: scale, mode: mode))
        }
        if !unknown.isEmpty {
            throw CheckpointError.keyMismatch(path: path, missing: [], unexpected: unknown.sorted(), misshaped: [])
        }
    }

    /// The layer and slot of a module path such as `text_model.encoder.layers.3.self_attn.v_proj`.
    static func locate(_ module: String, in model: CLIPModel) -> (CLIPEncoderLayer, LinearSlot)? {
        for tower in TowerKind.allCases {
            let prefix = "\(tower.modelPrefix).encoder.layers."
            guard module.hasPrefix(prefix) else { continue }
            let rest = module.dropFirst(prefix.count)
            guard let dot = rest.firstIndex(of: "."), let index = Int(rest[..<dot]),
                  model.layers(tower).indices.contains(index),
                  let slot = LinearSlot.allCases.first(where: { $0.modulePath == String(rest[rest.index(after: dot)...]) })
            else { return nil }
            return (model.layers(tower)[index], slot)
        }
        return nil
    }
}

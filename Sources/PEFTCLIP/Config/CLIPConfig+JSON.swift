import Foundation

extension CLIPConfig {
    /// Reads a transformers `config.json` (`model_type` "clip"); absent fields take transformers' defaults.
    ///
    /// Accepts `image_size`/`patch_size` as an integer or a square `[h, w]` pair, and `eos_token_id` as an integer.
    /// - Throws: `CheckpointError.missingFile`, or `.badConfig` naming the dotted field (`vision_config.hidden_act`),
    ///   what it must be and what was found; also for inconsistent values (heads not dividing the width).
    public static func load(from url: URL) throws -> CLIPConfig {
        let root = try JSONObject.read(url)
        if let modelType = root.values["model_type"] as? String, modelType != "clip" {
            throw root.error("model_type", expected: "\"clip\"", found: modelType)
        }
        var config = CLIPConfig()
        config.projectionDim = try root.int("projection_dim", default: 512, minimum: 1)
        config.logitScaleInitValue = try root.double("logit_scale_init_value", default: 2.6592)
        config.text = try readText(root.object("text_config"))
        config.vision = try readVision(root.object("vision_config"))
        try config.validate(path: url.path)
        return config
    }

    private static func readText(_ json: JSONObject) throws -> CLIPTextConfig {
        var text = CLIPTextConfig()
        text.vocabSize = try json.int("vocab_size", default: text.vocabSize, minimum: 1)
        text.hiddenSize = try json.int("hidden_size", default: text.hiddenSize, minimum: 1)
        text.intermediateSize = try json.int("intermediate_size", default: text.intermediateSize, minimum: 1)
        text.projectionDim = try json.int("projection_dim", default: text.projectionDim, minimum: 1)
        text.numHiddenLayers = try json.int("num_hidden_layers", default: text.numHiddenLayers, minimum: 0)
        text.numAttentionHeads = try json.int("num_attention_heads", default: text.numAttentionHeads, minimum: 1)
        text.maxPositionEmbeddings = try json.int("max_position_embeddings", default: text.maxPositionEmbeddings,
                                                  minimum: 2)
        text.hiddenAct = try activation(json)
        text.layerNormEps = try json.double("layer_norm_eps", default: text.layerNormEps)
        text.padTokenId = try json.int("pad_token_id", default: text.padTokenId)
        text.bosTokenId = try json.int("bos_token_id", default: text.bosTokenId)
        text.eosTokenId = try json.int("eos_token_id", default: text.eosTokenId)
        return text
    }

    private static func readVision(_ json: JSONObject) throws -> CLIPVisionConfig {
        var vision = CLIPVisionConfig()
        vision.hiddenSize = try json.int("hidden_size", default: vision.hiddenSize, minimum: 1)
        vision.intermediateSize = try json.int("intermediate_size", default: vision.intermediateSize, minimum: 1)
        vision.projectionDim = try json.int("projection_dim", default: vision.projectionDim, minimum: 1)
        vision.numHiddenLayers = try json.int("num_hidden_layers", default: vision.numHiddenLayers, minimum: 0)
        vision.numAttentionHeads = try json.int("num_attention_heads", default: vision.numAttentionHeads, minimum: 1)
        vision.numChannels = try json.int("num_channels", default: vision.numChannels, minimum: 1)
        vision.imageSize = try squareSide(json, "image_size", default: vision.imageSize)
        vision.patchSize = try squareSide(json, "patch_size", default: vision.patchSize)
        vision.hiddenAct = try activation(json)
        vision.layerNormEps = try json.double("layer_norm_eps", default: vision.layerNormEps)
        return vision
    }

    private static func activation(_ json: JSONObject) throws -> Activation {
        let name = try json.string("hidden_act", default: Activation.quickGelu.rawValue)
        guard let activation = Activation(rawValue: name) else {
            let known = Activation.allCases.map(\.rawValue).joined(separator: ", ")
            throw json.error("hidden_act", expected: "one of \(known)", found: name)
        }
        return activation
    }

    private static func squareSide(_ json: JSONObject, _ key: String, default fallback: Int) throws -> Int {
        if let pair = json.values[key] as? [Any] {
            guard pair.count == 2, let h = JSONObject.integer(pair[0]), let w = JSONObject.integer(pair[1]),
                  h == w, h > 0
            else { throw json.error(key, expected: "a positive integer or a square [h, w] pair", found: pair) }
            return h
        }
        return try json.int(key, default: fallback, minimum: 1)
    }

    /// Checks the cross-field rules transformers enforces (heads divide widths, patches tile the image).
    ///
    /// - Throws: `CheckpointError.badConfig` naming the offending field.
    public func validate(path: String = "config.json") throws {
        func fail(_ field: String, _ expected: String, _ found: Int) -> CheckpointError {
            .badConfig(path: path, field: field, expected: expected, found: "\(found)")
        }
        if text.hiddenSize % text.numAttentionHeads != 0 {
            throw fail("text_config.num_attention_heads", "a divisor of hidden_size \(text.hiddenSize)",
                       text.numAttentionHeads)
        }
        if vision.hiddenSize % vision.numAttentionHeads != 0 {
            throw fail("vision_config.num_attention_heads", "a divisor of hidden_size \(vision.hiddenSize)",
                       vision.numAttentionHeads)
        }
        if vision.imageSize % vision.patchSize != 0 {
            throw fail("vision_config.patch_size", "a divisor of image_size \(vision.imageSize)", vision.patchSize)
        }
        if text.eosTokenId != 2 && !(0 ..< text.vocabSize).contains(text.eosTokenId) {
            throw fail("text_config.eos_token_id", "below vocab_size \(text.vocabSize) (or the legacy 2)",
                       text.eosTokenId)
        }
    }

    /// The configuration as a transformers-loadable JSON object (every field written, no defaults implied).
    public func jsonObject() -> [String: Any] {
        let textConfig: [String: Any] = [
            "model_type": "clip_text_model", "vocab_size": text.vocabSize, "hidden_size": text.hiddenSize,
            "intermediate_size": text.intermediateSize, "projection_dim": text.projectionDim,
            "num_hidden_layers": text.numHiddenLayers, "num_attention_heads": text.numAttentionHeads,
            "max_position_embeddings": text.maxPositionEmbeddings, "hidden_act": text.hiddenAct.rawValue,
            "layer_norm_eps": text.layerNormEps, "attention_dropout": 0.0, "pad_token_id": text.padTokenId,
            "bos_token_id": text.bosTokenId, "eos_token_id": text.eosTokenId,
        ]
        let visionConfig: [String: Any] = [
            "model_type": "clip_vision_model", "hidden_size": vision.hiddenSize,
            "intermediate_size": vision.intermediateSize, "projection_dim": vision.projectionDim,
            "num_hidden_layers": vision.numHiddenLayers, "num_attention_heads": vision.numAttentionHeads,
            "num_channels": vision.numChannels, "image_size": vision.imageSize, "patch_size": vision.patchSize,
            "hidden_act": vision.hiddenAct.rawValue, "layer_norm_eps": vision.layerNormEps, "attention_dropout": 0.0,
        ]
        return [
            "architectures": ["CLIPModel"], "model_type": "clip", "projection_dim": projectionDim,
            "logit_scale_init_value": logitScaleInitValue, "text_config": textConfig, "vision_config": visionConfig,
            "dtype": "float32",
        ]
    }

    /// Writes `jsonObject()` to `url`, pretty-printed with sorted keys.
    ///
    /// - Throws: `CheckpointError.io`.
    public func write(to url: URL) throws {
        try writeJSON(jsonObject(), to: url)
    }
}

/// Writes a JSON object pretty-printed with sorted keys and a final newline.
public func writeJSON(_ object: Any, to url: URL) throws {
    do {
        var data = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
        data.append(UInt8(ascii: "\n"))
        try data.write(to: url, options: .atomic)
    } catch {
        throw CheckpointError.io(path: url.path, reason: "cannot write JSON (\(error.localizedDescription))")
    }
}

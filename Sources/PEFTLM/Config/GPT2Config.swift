import Foundation
import PEFTCLIP

/// Hyper-parameters of a GPT-2-layout causal language model; field names and defaults follow
/// `transformers.GPT2Config` (GPT-2 small: 12 layers, width 768, 1 024 positions, 50 257 tokens).
public struct GPT2Config: Equatable, Sendable {
    /// Number of token embeddings (`vocab_size`); the tied LM head predicts one logit per token.
    public var vocabSize = 50_257
    /// Longest sequence the learned position table covers (`n_positions`).
    public var maxPositions = 1_024
    /// Width of the residual stream (`n_embd`).
    public var hiddenSize = 768
    /// Number of transformer blocks (`n_layer`).
    public var layers = 12
    /// Number of attention heads (`n_head`); must divide `hiddenSize`.
    public var heads = 12
    /// Width of the MLP's hidden layer (`n_inner`; transformers' null means 4 × `n_embd`).
    public var innerSize: Int? = nil
    /// Layer-norm epsilon (`layer_norm_epsilon`).
    public var layerNormEps = 1e-5
    /// Start and end-of-text token ids (`bos_token_id`, `eos_token_id`; `<|endoftext|>` for both in GPT-2).
    public var bosTokenId = 50_256
    public var eosTokenId = 50_256

    /// GPT-2 small.
    public init() {}

    /// A config of the given shape (for tests and for models PEFTLab pretrains itself).
    public init(vocabSize: Int, maxPositions: Int, hiddenSize: Int, layers: Int, heads: Int, eosTokenId: Int) {
        self.vocabSize = vocabSize
        self.maxPositions = maxPositions
        self.hiddenSize = hiddenSize
        self.layers = layers
        self.heads = heads
        self.bosTokenId = eosTokenId
        self.eosTokenId = eosTokenId
    }

    /// The MLP width actually used.
    public var mlpSize: Int { innerSize ?? 4 * hiddenSize }

    /// Parameters of the model (the LM head is tied to the token table and adds none).
    public var parameterCount: Int {
        let d = hiddenSize, m = mlpSize
        let block = 2 * 2 * d + (d * 3 * d + 3 * d) + (d * d + d) + (d * m + m) + (m * d + d)
        return vocabSize * d + maxPositions * d + layers * block + 2 * d
    }

    /// Reads a transformers `config.json` (`model_type` "gpt2"); absent fields take transformers' defaults.
    ///
    /// Only what PEFTLab computes is accepted: `activation_function` gelu_new (or its aliases), tied word
    /// embeddings, attention scaled by 1/√d_head and no cross-attention.
    /// - Throws: `CheckpointError.missingFile`, or `.badConfig` naming the field, what it must be and what was found.
    public static func load(from url: URL) throws -> GPT2Config {
        let json = try JSONObject.read(url)
        if let modelType = json.values["model_type"] as? String, modelType != "gpt2" {
            throw json.error("model_type", expected: "\"gpt2\"", found: modelType)
        }
        var config = GPT2Config()
        config.vocabSize = try json.int("vocab_size", default: config.vocabSize, minimum: 1)
        config.maxPositions = try json.int("n_positions", default: config.maxPositions, minimum: 1)
        config.hiddenSize = try json.int("n_embd", default: config.hiddenSize, minimum: 1)
        config.layers = try json.int("n_layer", default: config.layers, minimum: 0)
        config.heads = try json.int("n_head", default: config.heads, minimum: 1)
        config.innerSize = try json.has("n_inner") ? json.int("n_inner", default: 0, minimum: 1) : nil
        config.layerNormEps = try json.double("layer_norm_epsilon", default: config.layerNormEps)
        config.bosTokenId = try json.int("bos_token_id", default: config.bosTokenId, minimum: 0)
        config.eosTokenId = try json.int("eos_token_id", default: config.eosTokenId, minimum: 0)
        let activation = try json.string("activation_function", default: "gelu_new")
        guard ["gelu_new", "gelu_pytorch_tanh"].contains(activation) else {
            throw json.error("activation_function", expected: "\"gelu_new\" (GPT-2's tanh GELU)", found: activation)
        }
        guard try json.bool("tie_word_embeddings", default: true) else {
            throw json.error("tie_word_embeddings", expected: "true (the LM head is the token table)", found: false)
        }
        guard try json.bool("scale_attn_weights", default: true) else {
            throw json.error("scale_attn_weights", expected: "true", found: false)
        }
        guard try !json.bool("scale_attn_by_inverse_layer_idx", default: false) else {
            throw json.error("scale_attn_by_inverse_layer_idx", expected: "false", found: true)
        }
        guard try !json.bool("add_cross_attention", default: false) else {
            throw json.error("add_cross_attention", expected: "false (decoder-only)", found: true)
        }
        guard config.hiddenSize % config.heads == 0 else {
            throw CheckpointError.badConfig(path: url.path, field: "n_head", expected: "a divisor of n_embd \(config.hiddenSize)",
                                            found: "\(config.heads)")
        }
        for (field, id) in [("bos_token_id", config.bosTokenId), ("eos_token_id", config.eosTokenId)] where id >= config.vocabSize {
            throw CheckpointError.badConfig(path: url.path, field: field, expected: "an id below vocab_size \(config.vocabSize)",
                                            found: "\(id)")
        }
        return config
    }

    /// The `config.json` transformers' `GPT2LMHeadModel.from_pretrained` reads.
    public func jsonObject() -> [String: Any] {
        ["model_type": "gpt2", "architectures": ["GPT2LMHeadModel"], "vocab_size": vocabSize, "n_positions": maxPositions,
         "n_embd": hiddenSize, "n_layer": layers, "n_head": heads, "n_inner": innerSize.map { $0 as Any } ?? (NSNull() as Any),
         "activation_function": "gelu_new", "layer_norm_epsilon": layerNormEps, "bos_token_id": bosTokenId,
         "eos_token_id": eosTokenId, "tie_word_embeddings": true, "resid_pdrop": 0.0, "embd_pdrop": 0.0, "attn_pdrop": 0.0]
    }

    /// Writes `jsonObject()` to `url`.
    /// - Throws: `CheckpointError.io`.
    public func write(to url: URL) throws { try writeJSON(jsonObject(), to: url) }
}

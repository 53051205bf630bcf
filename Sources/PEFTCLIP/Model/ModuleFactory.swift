import PEFTTensor

/// Builds PEFTTensor modules from checkpoint tensors looked up by full HF key.
enum ModuleFactory {
    static func linear(_ prefix: String, bias: Bool, weights: (String) -> Tensor) -> Linear {
        Linear(weight: weights(prefix + ".weight"), bias: bias ? weights(prefix + ".bias") : nil)
    }

    /// A `LayerNorm` holding copies of the checkpoint's gain and bias (LayerNorm owns its tensors).
    static func layerNorm(_ prefix: String, eps: Double, weights: (String) -> Tensor) -> LayerNorm {
        let weight = weights(prefix + ".weight")
        let norm = LayerNorm(dim: weight.count, eps: Float(eps))
        norm.weight.storage = weight.storage
        norm.bias.storage = weights(prefix + ".bias").storage
        norm.weight.name = prefix + ".weight"
        norm.bias.name = prefix + ".bias"
        return norm
    }

    static func encoderLayer(tower: TowerKind, index: Int, heads: Int, activation: Activation, eps: Double,
                             prefix: String, weights: (String) -> Tensor) -> CLIPEncoderLayer {
        func lin(_ name: String) -> Linear { linear(prefix + name, bias: true, weights: weights) }
        return CLIPEncoderLayer(
            tower: tower, index: index, heads: heads, activation: activation,
            layerNorm1: layerNorm(prefix + "layer_norm1", eps: eps, weights: weights),
            layerNorm2: layerNorm(prefix + "layer_norm2", eps: eps, weights: weights),
            qProj: lin("self_attn.q_proj"), kProj: lin("self_attn.k_proj"), vProj: lin("self_attn.v_proj"),
            outProj: lin("self_attn.out_proj"), fc1: lin("mlp.fc1"), fc2: lin("mlp.fc2"))
    }
}

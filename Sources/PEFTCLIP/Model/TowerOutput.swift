import PEFTTensor

/// What a tower's `finish` returns, named as transformers' outputs.
public struct TowerOutput {
    /// Text: `final_layer_norm` of the last layer's output; vision: the last layer's output (no norm), `[B, T, D]`
    /// (transformers' `last_hidden_state`).
    public var lastHiddenState: Tensor
    /// Text: the normed end-of-text token; vision: `post_layernorm` of the class token, `[B, D]` (`pooler_output`).
    public var pooled: Tensor
    /// `pooled` projected into the joint space, `[B, projection_dim]` (`get_text_features`/`get_image_features`).
    public var embeddings: Tensor
    /// Recorded per-layer states when requested (see `TowerState.hiddenStates`).
    public var hiddenStates: [Tensor]?
    /// The state after the last layer and hooks (prompts and scratch included).
    public var state: TowerState
}

/// The layer loop, pooling and parameter listing shared by both towers.
enum TowerRunner {
    static func step(_ state: inout TowerState, layers: [CLIPEncoderLayer], hooks: [any TowerHook], tower: TowerKind) {
        precondition(state.tower == tower, "\(tower) tower cannot step a \(state.tower) state")
        let layer = state.nextLayer
        precondition(layer < layers.count, "\(tower) tower: no layer \(layer) to step (\(layers.count) layers)")
        for hook in hooks { hook.beforeLayer(layer, state: &state) }
        state.hidden = layers[layer](state.hidden, mask: state.additiveMask())
        state.nextLayer = layer + 1
        state.hiddenStates?.append(state.hidden)
    }

    /// Rows `positions[b]` of `[B, T, D]` → `[B, D]` (differentiable).
    static func pool(_ hidden: Tensor, positions: [Int]) -> Tensor {
        let (batch, tokens, width) = (hidden.shape[0], hidden.shape[1], hidden.shape[2])
        let rows = positions.enumerated().map { $0.offset * tokens + $0.element }
        return hidden.reshaped([batch * tokens, width]).indexSelect(axis: 0, indices: rows)
    }

    static func namedParameters(tower: TowerKind, embeddings: [(String, Tensor)], layers: [CLIPEncoderLayer],
                                norms: [(String, LayerNorm)], leadingNorms: [(String, LayerNorm)] = [],
                                projection: any LinearLayer, hooks: [any TowerHook]) -> [(String, Tensor)] {
        var result = embeddings
        for (prefix, norm) in leadingNorms { result += norm.namedParameters().map { (prefix + $0.0, $0.1) } }
        for layer in layers {
            let prefix = "\(tower.modelPrefix).encoder.layers.\(layer.index)."
            result += layer.namedParameters().map { (prefix + $0.0, $0.1) }
        }
        for (prefix, norm) in norms { result += norm.namedParameters().map { (prefix + $0.0, $0.1) } }
        result += projection.namedParameters().map { (tower.projectionKey + "." + $0.0, $0.1) }
        for hook in hooks {
            let prefix = "\(tower.modelPrefix).hooks.\(hook.hookName)."
            result += hook.namedParameters().map { (prefix + $0.0, $0.1) }
        }
        return result
    }

    static func baseParameters(tower: TowerKind, embeddings: [(String, Tensor)], layers: [CLIPEncoderLayer],
                               norms: [(String, LayerNorm)], leadingNorms: [(String, LayerNorm)] = [],
                               projection: any LinearLayer) -> [(String, Tensor)] {
        var result = embeddings
        for (prefix, norm) in leadingNorms { result += [(prefix + "weight", norm.weight), (prefix + "bias", norm.bias)] }
        for layer in layers {
            let prefix = "\(tower.modelPrefix).encoder.layers.\(layer.index)."
            result += layer.baseParameters().map { (prefix + $0.0, $0.1) }
        }
        for (prefix, norm) in norms { result += [(prefix + "weight", norm.weight), (prefix + "bias", norm.bias)] }
        result.append((tower.projectionKey + ".weight", projection.base.weight))
        return result
    }
}

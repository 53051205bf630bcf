import PEFTTensor

/// CLIP's text encoder with its projection (`text_model.*` + `text_projection`), runnable whole or a layer at a time.
///
/// Token + position embeddings → causal transformer (padding masked too) → `final_layer_norm` → the hidden state at
/// each row's end-of-text token → `text_projection`. Pooling follows transformers: the first `eos_token_id` in each
/// row, or — for legacy configs with `eos_token_id == 2` — the position of the largest id.
///
/// Stepping API (the same for `CLIPVisionTower`): `var s = text.begin(batch)`, then `text.step(&s)` per layer
/// (hooks run inside), then `text.finish(s)`; `callAsFunction` does all three. `begin(tokenEmbeddings:…)` accepts
/// input vectors instead of ids (CoOp context vectors, MSE-Adapter pseudo tokens) and `resume(hidden:atLayer:…)`
/// starts from a cached residual stream.
public final class CLIPTextTower: ParameterContainer, @unchecked Sendable {
    /// Text hyper-parameters.
    public let config: CLIPTextConfig
    /// `[vocab, D]` token embeddings (`embeddings.token_embedding.weight`).
    public internal(set) var tokenEmbedding: Tensor
    /// `[max_positions, D]` position embeddings (`embeddings.position_embedding.weight`).
    public internal(set) var positionEmbedding: Tensor
    /// The encoder layers.
    public let layers: [CLIPEncoderLayer]
    /// Final layer norm (`final_layer_norm`).
    public internal(set) var finalLayerNorm: LayerNorm
    /// `[projection_dim, D]` projection into the joint space (`text_projection`, no bias).
    public var projection: any LinearLayer
    /// Hooks run before each layer and after the last (prompts, state sharing).
    public var hooks: [any TowerHook] = []

    /// Builds the tower from a weight lookup by full HF key (shapes already checked against `config`).
    init(config: CLIPTextConfig, weights: (String) -> Tensor) {
        self.config = config
        tokenEmbedding = weights("text_model.embeddings.token_embedding.weight")
        positionEmbedding = weights("text_model.embeddings.position_embedding.weight")
        layers = (0 ..< config.numHiddenLayers).map { index in
            ModuleFactory.encoderLayer(tower: .text, index: index, heads: config.numAttentionHeads,
                                       activation: config.hiddenAct, eps: config.layerNormEps,
                                       prefix: "text_model.encoder.layers.\(index).", weights: weights)
        }
        finalLayerNorm = ModuleFactory.layerNorm("text_model.final_layer_norm", eps: config.layerNormEps, weights: weights)
        projection = ModuleFactory.linear("text_projection", bias: false, weights: weights)
    }

    /// Token embeddings only (no positions), `[B, T, D]`: the pieces CoOp-style methods splice context vectors into.
    public func embedTokens(_ ids: [[Int]]) -> Tensor {
        let length = ids.first?.count ?? 0
        precondition(!ids.isEmpty && ids.allSatisfy { $0.count == length },
                     "CLIPTextTower.embedTokens: rows must be non-empty and of equal length, got \(ids.map(\.count))")
        let flat = ids.flatMap { $0 }
        precondition(flat.allSatisfy { (0 ..< config.vocabSize).contains($0) },
                     "CLIPTextTower.embedTokens: token ids must be in 0..<\(config.vocabSize), got max \(flat.max() ?? 0)")
        return tokenEmbedding.gathered(rows: flat).reshaped([ids.count, length, config.hiddenSize])
    }

    /// Per row, the token transformers pools: first `eos_token_id`, or argmax of ids when `eos_token_id == 2`
    /// (first maximum; position 0 when a row has no end-of-text token, as `argmax` of all-false does).
    public func poolPositions(_ ids: [[Int]]) -> [Int] {
        ids.map { row in
            if config.eosTokenId == 2 {
                var best = 0
                for (i, id) in row.enumerated() where id > row[best] { best = i }
                return best
            }
            return row.firstIndex(of: config.eosTokenId) ?? 0
        }
    }

    /// Embeds a tokenised batch: state before layer 0, with causal + padding masks and end-of-text pooling.
    public func begin(_ batch: TokenBatch, recordHiddenStates: Bool = false) -> TowerState {
        begin(tokenEmbeddings: embedTokens(batch.ids), poolPositions: poolPositions(batch.ids),
              attentionMask: batch.attentionMask, recordHiddenStates: recordHiddenStates)
    }

    /// Starts from input vectors `[B, T, D]` (token embeddings, possibly with learned vectors spliced in); adds the
    /// position embeddings of positions 0..<T. `poolPositions` must point at each row's real end-of-text token
    /// (shift it by the number of vectors inserted before it).
    public func begin(tokenEmbeddings: Tensor, poolPositions: [Int], attentionMask: [[Int]]? = nil,
                      recordHiddenStates: Bool = false) -> TowerState {
        precondition(tokenEmbeddings.rank == 3 && tokenEmbeddings.shape[2] == config.hiddenSize,
                     "CLIPTextTower.begin: embeddings \(tokenEmbeddings.shape), expected [B, T, \(config.hiddenSize)]")
        let length = tokenEmbeddings.shape[1]
        precondition(length <= config.maxPositionEmbeddings,
                     "CLIPTextTower.begin: \(length) tokens exceed max_position_embeddings \(config.maxPositionEmbeddings)")
        let hidden = tokenEmbeddings + positionEmbedding.sliced(axis: 0, range: 0 ..< length)
        return TowerState(tower: .text, hidden: hidden, attentionMask: attentionMask, isCausal: true,
                          poolPositions: poolPositions, recordHiddenStates: recordHiddenStates)
    }

    /// Starts from a cached residual stream `hidden` `[B, T, D]` entering layer `layer` (layers below are skipped).
    public func resume(hidden: Tensor, atLayer layer: Int, poolPositions: [Int], attentionMask: [[Int]]? = nil,
                       recordHiddenStates: Bool = false) -> TowerState {
        precondition((0 ... layers.count).contains(layer), "CLIPTextTower.resume: layer \(layer) outside 0...\(layers.count)")
        return TowerState(tower: .text, hidden: hidden, nextLayer: layer, attentionMask: attentionMask, isCausal: true,
                          poolPositions: poolPositions, recordHiddenStates: recordHiddenStates)
    }

    /// Runs the hooks for `state.nextLayer`, then that layer; advances `nextLayer`.
    public func step(_ state: inout TowerState) {
        TowerRunner.step(&state, layers: layers, hooks: hooks, tower: .text)
    }

    /// `step(&state)` asserting that `layer` is the one due (`state.nextLayer`), for loops that read as
    /// `for l in 0 ..< n { tower.step(&state, layer: l) }`.
    public func step(_ state: inout TowerState, layer: Int) {
        precondition(state.nextLayer == layer, "CLIPTextTower.step: layer \(layer) requested but layer \(state.nextLayer) is due")
        step(&state)
    }

    /// Steps until `state.nextLayer == layer` (default: all layers).
    public func run(_ state: inout TowerState, until layer: Int? = nil) {
        let stop = layer ?? layers.count
        precondition(stop <= layers.count, "CLIPTextTower.run: layer \(stop) beyond \(layers.count)")
        while state.nextLayer < stop { step(&state) }
    }

    /// Runs any remaining layers, the after-last hooks, `final_layer_norm`, end-of-text pooling and the projection.
    public func finish(_ state: TowerState) -> TowerOutput {
        var state = state
        run(&state)
        for hook in hooks { hook.afterLastLayer(state: &state) }
        let last = finalLayerNorm(state.hidden)
        let pooled = TowerRunner.pool(last, positions: state.poolPositions)
        return TowerOutput(lastHiddenState: last, pooled: pooled, embeddings: projection(pooled),
                           hiddenStates: state.hiddenStates, state: state)
    }

    /// The whole tower on a tokenised batch.
    public func callAsFunction(_ batch: TokenBatch, recordHiddenStates: Bool = false) -> TowerOutput {
        finish(begin(batch, recordHiddenStates: recordHiddenStates))
    }

    /// Parameters under full HF keys (`text_model.…`, `text_projection.weight`), wrappers and hooks included.
    public func namedParameters() -> [(String, Tensor)] {
        TowerRunner.namedParameters(tower: .text, embeddings: [
            ("text_model.embeddings.token_embedding.weight", tokenEmbedding),
            ("text_model.embeddings.position_embedding.weight", positionEmbedding),
        ], layers: layers, norms: [("text_model.final_layer_norm.", finalLayerNorm)], projection: projection, hooks: hooks)
    }

    /// The checkpoint tensors under full HF keys (base linears, no wrappers, adapters or hooks).
    public func baseParameters() -> [(String, Tensor)] {
        TowerRunner.baseParameters(tower: .text, embeddings: [
            ("text_model.embeddings.token_embedding.weight", tokenEmbedding),
            ("text_model.embeddings.position_embedding.weight", positionEmbedding),
        ], layers: layers, norms: [("text_model.final_layer_norm.", finalLayerNorm)], projection: projection)
    }
}

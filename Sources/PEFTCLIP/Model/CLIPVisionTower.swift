import PEFTTensor

/// CLIP's vision transformer with its projection (`vision_model.*` + `visual_projection`), runnable whole or a
/// layer at a time.
///
/// Patches (a stride-`p` convolution, no bias) → class token prepended → position embeddings → `pre_layrnorm` →
/// transformer → `post_layernorm` of the class token → `visual_projection`. Same stepping API as `CLIPTextTower`:
/// `begin(pixels:)` / `step(&state)` / `finish(state)`; `begin(embeddings:)` takes patch+class embeddings with
/// extra tokens already spliced in (VPT-shallow, MaPLe), `resume(hidden:atLayer:)` a cached residual stream.
public final class CLIPVisionTower: ParameterContainer, @unchecked Sendable {
    /// Vision hyper-parameters.
    public let config: CLIPVisionConfig
    /// `[D]` learned class token (`embeddings.class_embedding`).
    public internal(set) var classEmbedding: Tensor
    /// `[D, C, p, p]` patch convolution (`embeddings.patch_embedding.weight`).
    public internal(set) var patchEmbedding: Tensor
    /// `[1 + patches, D]` position embeddings (`embeddings.position_embedding.weight`).
    public internal(set) var positionEmbedding: Tensor
    /// Norm before the encoder (`pre_layrnorm`, sic).
    public internal(set) var preLayerNorm: LayerNorm
    /// The encoder layers.
    public let layers: [CLIPEncoderLayer]
    /// Norm of the pooled class token (`post_layernorm`).
    public internal(set) var postLayerNorm: LayerNorm
    /// `[projection_dim, D]` projection into the joint space (`visual_projection`, no bias).
    public var projection: any LinearLayer
    /// Hooks run before each layer and after the last.
    public var hooks: [any TowerHook] = []

    /// Builds the tower from a weight lookup by full HF key (shapes already checked against `config`).
    init(config: CLIPVisionConfig, weights: (String) -> Tensor) {
        self.config = config
        classEmbedding = weights("vision_model.embeddings.class_embedding")
        patchEmbedding = weights("vision_model.embeddings.patch_embedding.weight")
        positionEmbedding = weights("vision_model.embeddings.position_embedding.weight")
        preLayerNorm = ModuleFactory.layerNorm("vision_model.pre_layrnorm", eps: config.layerNormEps, weights: weights)
        layers = (0 ..< config.numHiddenLayers).map { index in
            ModuleFactory.encoderLayer(tower: .vision, index: index, heads: config.numAttentionHeads,
                                       activation: config.hiddenAct, eps: config.layerNormEps,
                                       prefix: "vision_model.encoder.layers.\(index).", weights: weights)
        }
        postLayerNorm = ModuleFactory.layerNorm("vision_model.post_layernorm", eps: config.layerNormEps, weights: weights)
        projection = ModuleFactory.linear("visual_projection", bias: false, weights: weights)
    }

    /// Class + patch embeddings with positions, before `pre_layrnorm`: `[B, C, H, W] → [B, 1 + patches, D]`.
    public func embed(pixels: Tensor) -> Tensor {
        let c = config
        precondition(pixels.rank == 4 && pixels.shape[1] == c.numChannels && pixels.shape[2] == c.imageSize
                     && pixels.shape[3] == c.imageSize,
                     "CLIPVisionTower.embed: pixels \(pixels.shape), expected [B, \(c.numChannels), \(c.imageSize), \(c.imageSize)]")
        let batch = pixels.shape[0]
        let patches = pixels.patchEmbedding(weight: patchEmbedding, bias: nil, patch: c.patchSize)
        let cls = classEmbedding.reshaped([1, 1, c.hiddenSize]).expanded(to: [batch, 1, c.hiddenSize])
        return Tensor.concatenated([cls, patches], axis: 1) + positionEmbedding
    }

    /// State before layer 0 for a batch of preprocessed images `[B, C, H, W]`.
    public func begin(pixels: Tensor, recordHiddenStates: Bool = false) -> TowerState {
        begin(embeddings: embed(pixels: pixels), recordHiddenStates: recordHiddenStates)
    }

    /// State before layer 0 from embeddings `[B, T, D]` (as `embed(pixels:)` returns, possibly with tokens
    /// inserted); applies `pre_layrnorm`. Pools token 0.
    public func begin(embeddings: Tensor, recordHiddenStates: Bool = false) -> TowerState {
        precondition(embeddings.rank == 3 && embeddings.shape[2] == config.hiddenSize,
                     "CLIPVisionTower.begin: embeddings \(embeddings.shape), expected [B, T, \(config.hiddenSize)]")
        return TowerState(tower: .vision, hidden: preLayerNorm(embeddings), isCausal: false,
                          poolPositions: [Int](repeating: 0, count: embeddings.shape[0]),
                          recordHiddenStates: recordHiddenStates)
    }

    /// Starts from a cached residual stream `[B, T, D]` entering layer `layer`; pools token 0.
    public func resume(hidden: Tensor, atLayer layer: Int, recordHiddenStates: Bool = false) -> TowerState {
        precondition((0 ... layers.count).contains(layer), "CLIPVisionTower.resume: layer \(layer) outside 0...\(layers.count)")
        return TowerState(tower: .vision, hidden: hidden, nextLayer: layer, isCausal: false,
                          poolPositions: [Int](repeating: 0, count: hidden.shape[0]),
                          recordHiddenStates: recordHiddenStates)
    }

    /// Runs the hooks for `state.nextLayer`, then that layer; advances `nextLayer`.
    public func step(_ state: inout TowerState) {
        TowerRunner.step(&state, layers: layers, hooks: hooks, tower: .vision)
    }

    /// `step(&state)` asserting that `layer` is the one due (`state.nextLayer`), for loops that read as
    /// `for l in 0 ..< n { tower.step(&state, layer: l) }`.
    public func step(_ state: inout TowerState, layer: Int) {
        precondition(state.nextLayer == layer, "CLIPVisionTower.step: layer \(layer) requested but layer \(state.nextLayer) is due")
        step(&state)
    }

    /// Steps until `state.nextLayer == layer` (default: all layers).
    public func run(_ state: inout TowerState, until layer: Int? = nil) {
        let stop = layer ?? layers.count
        precondition(stop <= layers.count, "CLIPVisionTower.run: layer \(stop) beyond \(layers.count)")
        while state.nextLayer < stop { step(&state) }
    }

    /// Runs any remaining layers and after-last hooks, then `post_layernorm` of the pooled token and the projection.
    public func finish(_ state: TowerState) -> TowerOutput {
        var state = state
        run(&state)
        for hook in hooks { hook.afterLastLayer(state: &state) }
        let pooled = postLayerNorm(TowerRunner.pool(state.hidden, positions: state.poolPositions))
        return TowerOutput(lastHiddenState: state.hidden, pooled: pooled, embeddings: projection(pooled),
                           hiddenStates: state.hiddenStates, state: state)
    }

    /// The whole tower on preprocessed images `[B, C, H, W]`.
    public func callAsFunction(_ pixels: Tensor, recordHiddenStates: Bool = false) -> TowerOutput {
        finish(begin(pixels: pixels, recordHiddenStates: recordHiddenStates))
    }

    private var embeddingTensors: [(String, Tensor)] {
        [("vision_model.embeddings.class_embedding", classEmbedding),
         ("vision_model.embeddings.patch_embedding.weight", patchEmbedding),
         ("vision_model.embeddings.position_embedding.weight", positionEmbedding)]
    }

    /// Parameters under full HF keys (`vision_model.…`, `visual_projection.weight`), wrappers and hooks included.
    public func namedParameters() -> [(String, Tensor)] {
        TowerRunner.namedParameters(tower: .vision, embeddings: embeddingTensors, layers: layers,
                                    norms: [("vision_model.post_layernorm.", postLayerNorm)],
                                    leadingNorms: [("vision_model.pre_layrnorm.", preLayerNorm)],
                                    projection: projection, hooks: hooks)
    }

    /// The checkpoint tensors under full HF keys (base linears, no wrappers, adapters or hooks).
    public func baseParameters() -> [(String, Tensor)] {
        TowerRunner.baseParameters(tower: .vision, embeddings: embeddingTensors, layers: layers,
                                   norms: [("vision_model.post_layernorm.", postLayerNorm)],
                                   leadingNorms: [("vision_model.pre_layrnorm.", preLayerNorm)], projection: projection)
    }
}

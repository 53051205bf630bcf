import PEFTTensor

/// A linear map of an encoder layer (`q_proj`, `k_proj`, `v_proj`, `out_proj`, `fc1`, `fc2`) or a projection, as the
/// layer sees it: PEFT methods replace one with a wrapper around the original (LoRA: `W x + (α/r)·B A x`; IA3:
/// `l ⊙ W x`) by assigning the layer's property, e.g. `layer.qProj = LoRALinear(wrapping: layer.qProj.base)`.
///
/// `namedParameters()` is relative to the linear (`weight`, `bias`, then e.g. `lora_A.weight`); the layer prefixes
/// its path. `base` is the frozen original, which `CLIPModel.save(to:)` writes under the HF key whatever the wrapper.
public protocol LinearLayer: AnyObject, ParameterContainer {
    /// The wrapped base linear (the layer itself when not wrapped).
    var base: Linear { get }
    /// `[.., in] → [.., out]`.
    func callAsFunction(_ x: Tensor) -> Tensor
}

extension Linear: LinearLayer {
    /// A plain linear is its own base.
    public var base: Linear { self }
}

/// Where a `LayerAdapter` runs and what it may read: the tower, the layer, and the sub-layer's input both before
/// (`residual`) and after (`normalized`) its layer norm. All tensors are `[batch, tokens, width]`.
public struct AdapterSite {
    /// After which sub-layer the adapter runs.
    public enum Position: String, Sendable, Codable {
        /// After self-attention (Houlsby's first adapter).
        case afterAttention
        /// After the MLP (Houlsby's second, Pfeiffer's only adapter).
        case afterMLP
    }

    /// The tower of the layer.
    public var tower: TowerKind
    /// 0-based layer index within the tower.
    public var layer: Int
    /// Which sub-layer's output is being adapted.
    public var position: Position
    /// The residual stream entering the sub-layer (added back after the adapters).
    public var residual: Tensor
    /// The sub-layer's input after `layer_norm1`/`layer_norm2` (what a parallel adapter reads).
    public var normalized: Tensor

    public init(tower: TowerKind, layer: Int, position: Position, residual: Tensor, normalized: Tensor) {
        self.tower = tower
        self.layer = layer
        self.position = position
        self.residual = residual
        self.normalized = normalized
    }
}

/// A module inserted after an encoder layer's attention or MLP (Houlsby, Pfeiffer, AdS-CLIP bottleneck adapters).
///
/// It maps the sub-layer's output `[batch, tokens, width]` to a replacement of the same shape, *before* the residual
/// addition: the layer computes `residual + adapterₙ(…adapter₁(sublayer(LN(residual))))`. A sequential bottleneck
/// adapter returns `h + up(f(down(h)))`; a parallel one returns `h + g(site.normalized)`. Adapters are listed per
/// layer in `CLIPEncoderLayer.attentionAdapters` / `.mlpAdapters`; their parameters appear under
/// `….layers.N.attention_adapters.I.<name>` / `….mlp_adapters.I.<name>`.
public protocol LayerAdapter: AnyObject, ParameterContainer {
    /// Adapted sub-layer output, same shape as `output`.
    func callAsFunction(_ output: Tensor, site: AdapterSite) -> Tensor
}

/// A per-tower hook run before every layer (and after the last one), free to edit the running state: insert,
/// replace or remove prompt tokens (VPT-deep, MaPLe, DialCLIP deep prompts), read or write `state.scratch` to share
/// data with the other tower (AdS-CLIP adapter-state sharing), or record features.
///
/// Hooks run in `CLIPTextTower.step`/`CLIPVisionTower.step`, so whole-tower calls and lockstep loops see the same
/// behaviour. Their parameters appear under `<tower>_model.hooks.<hookName>.<name>`.
public protocol TowerHook: AnyObject, ParameterContainer {
    /// Key under which the hook's parameters are listed (unique within the tower).
    var hookName: String { get }
    /// Called before `layer` runs (`state.nextLayer == layer`); may edit `state`.
    func beforeLayer(_ layer: Int, state: inout TowerState)
    /// Called once after the last layer, before the final norm and pooling; may edit `state` (e.g. drop prompts).
    func afterLastLayer(state: inout TowerState)
}

public extension TowerHook {
    /// Default: nothing to do after the last layer.
    func afterLastLayer(state: inout TowerState) {}
}

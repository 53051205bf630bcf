import PEFTTensor

/// One pre-norm transformer block of either tower, as `transformers.CLIPEncoderLayer`:
///
///     h = x + Adaptersₐ(out_proj(MHA(q_proj, k_proj, v_proj; layer_norm1(x))))
///     y = h + Adaptersₘ(fc2(act(fc1(layer_norm2(h)))))
///
/// The six linears are `LinearLayer` slots a PEFT method may replace with wrappers; `attentionAdapters` and
/// `mlpAdapters` hold modules inserted after each sub-layer (empty = plain CLIP). Parameter paths follow HF:
/// `self_attn.q_proj.weight`, `layer_norm1.bias`, `mlp.fc1.weight`, …
///
/// - Complexity: per call ≈ 2·B·T·(4D² + 2·D·I) + 4·B·T²·D flops (B batch, T tokens, D width, I MLP width).
public final class CLIPEncoderLayer: ParameterContainer, @unchecked Sendable {
    /// Tower this layer belongs to.
    public let tower: TowerKind
    /// 0-based index in the tower.
    public let index: Int
    /// Number of attention heads.
    public let heads: Int
    /// MLP non-linearity.
    public let activation: Activation
    /// Norm before attention (`layer_norm1`).
    public internal(set) var layerNorm1: LayerNorm
    /// Norm before the MLP (`layer_norm2`).
    public internal(set) var layerNorm2: LayerNorm
    /// Query projection `[D, D]` (`self_attn.q_proj`).
    public var qProj: any LinearLayer
    /// Key projection (`self_attn.k_proj`).
    public var kProj: any LinearLayer
    /// Value projection (`self_attn.v_proj`).
    public var vProj: any LinearLayer
    /// Attention output projection (`self_attn.out_proj`).
    public var outProj: any LinearLayer
    /// MLP up-projection `[I, D]` (`mlp.fc1`).
    public var fc1: any LinearLayer
    /// MLP down-projection `[D, I]` (`mlp.fc2`).
    public var fc2: any LinearLayer
    /// Modules applied, in order, to the attention output before the residual addition.
    public var attentionAdapters: [any LayerAdapter] = []
    /// Modules applied, in order, to the MLP output before the residual addition.
    public var mlpAdapters: [any LayerAdapter] = []

    /// Builds a layer from its parts (see `CLIPModel` for loading whole towers).
    public init(tower: TowerKind, index: Int, heads: Int, activation: Activation, layerNorm1: LayerNorm,
                layerNorm2: LayerNorm, qProj: any LinearLayer, kProj: any LinearLayer, vProj: any LinearLayer,
                outProj: any LinearLayer, fc1: any LinearLayer, fc2: any LinearLayer) {
        self.tower = tower
        self.index = index
        self.heads = heads
        self.activation = activation
        self.layerNorm1 = layerNorm1
        self.layerNorm2 = layerNorm2
        self.qProj = qProj
        self.kProj = kProj
        self.vProj = vProj
        self.outProj = outProj
        self.fc1 = fc1
        self.fc2 = fc2
    }

    /// `[B, T, D] → [B, T, D]`; `mask` is additive, broadcastable to `[B, heads, T, T]`.
    public func callAsFunction(_ x: Tensor, mask: Tensor?) -> Tensor {
        let normalized1 = layerNorm1(x)
        var attended = outProj(selfAttention(normalized1, mask: mask))
        if !attentionAdapters.isEmpty {
            let site = AdapterSite(tower: tower, layer: index, position: .afterAttention, residual: x,
                                   normalized: normalized1)
            for adapter in attentionAdapters { attended = adapter(attended, site: site) }
        }
        let h = x + attended
        let normalized2 = layerNorm2(h)
        var transformed = fc2(Self.activate(fc1(normalized2), activation))
        if !mlpAdapters.isEmpty {
            let site = AdapterSite(tower: tower, layer: index, position: .afterMLP, residual: h,
                                   normalized: normalized2)
            for adapter in mlpAdapters { transformed = adapter(transformed, site: site) }
        }
        return h + transformed
    }

    /// Multi-head self-attention before `out_proj`: `[B, T, D] → [B, T, D]`.
    func selfAttention(_ x: Tensor, mask: Tensor?) -> Tensor {
        let (batch, tokens, width) = (x.shape[0], x.shape[1], x.shape[2])
        let headWidth = width / heads
        func split(_ t: Tensor) -> Tensor { t.reshaped([batch, tokens, heads, headWidth]).permuted([0, 2, 1, 3]) }
        let context = Tensor.attention(q: split(qProj(x)), k: split(kProj(x)), v: split(vProj(x)), mask: mask)
        return context.permuted([0, 2, 1, 3]).reshaped([batch, tokens, width])
    }

    /// Applies `activation` elementwise (transformers' `ACT2FN`).
    static func activate(_ x: Tensor, _ activation: Activation) -> Tensor {
        switch activation {
        case .quickGelu: return x.quickGelu()
        case .gelu: return x.gelu()
        case .relu: return x.relu()
        case .geluNew, .geluPytorchTanh:
            let inner = (x + x.pow(3) * 0.044715) * Float(0.7978845608028654)
            return x * 0.5 * (inner.tanh() + 1)
        }
    }

    /// HF-relative parameter paths: norms and linears (their wrappers' extra tensors included), then adapters.
    public func namedParameters() -> [(String, Tensor)] {
        var result: [(String, Tensor)] = []
        func add(_ prefix: String, _ container: any ParameterContainer) {
            for (name, tensor) in container.namedParameters() { result.append((prefix + name, tensor)) }
        }
        add("self_attn.k_proj.", kProj)
        add("self_attn.v_proj.", vProj)
        add("self_attn.q_proj.", qProj)
        add("self_attn.out_proj.", outProj)
        add("layer_norm1.", layerNorm1)
        add("mlp.fc1.", fc1)
        add("mlp.fc2.", fc2)
        add("layer_norm2.", layerNorm2)
        for (i, adapter) in attentionAdapters.enumerated() { add("attention_adapters.\(i).", adapter) }
        for (i, adapter) in mlpAdapters.enumerated() { add("mlp_adapters.\(i).", adapter) }
        return result
    }

    /// The base (unwrapped) tensors under their HF-relative names: what a checkpoint stores.
    public func baseParameters() -> [(String, Tensor)] {
        var result: [(String, Tensor)] = []
        func add(_ prefix: String, _ linear: Linear) {
            result.append((prefix + "weight", linear.weight))
            if let bias = linear.bias { result.append((prefix + "bias", bias)) }
        }
        add("self_attn.k_proj.", kProj.base)
        add("self_attn.v_proj.", vProj.base)
        add("self_attn.q_proj.", qProj.base)
        add("self_attn.out_proj.", outProj.base)
        result.append(("layer_norm1.weight", layerNorm1.weight))
        result.append(("layer_norm1.bias", layerNorm1.bias))
        add("mlp.fc1.", fc1.base)
        add("mlp.fc2.", fc2.base)
        result.append(("layer_norm2.weight", layerNorm2.weight))
        result.append(("layer_norm2.bias", layerNorm2.bias))
        return result
    }
}

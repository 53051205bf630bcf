import PEFTTensor

/// One GPT-2 transformer block (pre-norm): x + attn(ln_1(x)), then h + mlp(ln_2(h)).
///
/// Attention is causal multi-head self-attention with fused q/k/v (`attn.c_attn`) and an output projection
/// (`attn.c_proj`); the MLP is `mlp.c_fc` → tanh GELU (`gelu_new`) → `mlp.c_proj`. transformers stores these four as
/// `Conv1D` with weights `[in, out]`; here they are `Linear` `[out, in]` (transposed once at load and save).
public final class GPT2Block: ParameterContainer {
    public let ln1: LayerNorm
    public let attention: Linear
    public let attentionProjection: Linear
    public let ln2: LayerNorm
    public let fc: Linear
    public let projection: Linear
    public let heads: Int

    public init(ln1: LayerNorm, attention: Linear, attentionProjection: Linear, ln2: LayerNorm, fc: Linear,
                projection: Linear, heads: Int) {
        self.ln1 = ln1
        self.attention = attention
        self.attentionProjection = attentionProjection
        self.ln2 = ln2
        self.fc = fc
        self.projection = projection
        self.heads = heads
    }

    /// `[B, T, D]` → `[B, T, D]`, with this call's keys and values over all positions (`[B, H, Tpast + T, Dh]`, for a
    /// KV cache). `mask` is additive `[B, 1, T, Tpast + T]`; `past` holds the keys and values of earlier positions.
    func callAsFunction(_ x: Tensor, mask: Tensor, past: (k: Tensor, v: Tensor)?) -> (output: Tensor, k: Tensor, v: Tensor) {
        let (b, t, d) = (x.shape[0], x.shape[1], x.shape[2])
        let dh = d / heads
        let qkv = attention(ln1(x)).split(axis: 2, sizes: [d, d, d])
        func split(_ y: Tensor) -> Tensor { y.reshaped([b, t, heads, dh]).permuted([0, 2, 1, 3]) }
        var (k, v) = (split(qkv[1]), split(qkv[2]))
        if let past {
            k = Tensor.concatenated([past.k, k], axis: 2)
            v = Tensor.concatenated([past.v, v], axis: 2)
        }
        let attended = Tensor.attention(q: split(qkv[0]), k: k, v: v, mask: mask).permuted([0, 2, 1, 3]).reshaped([b, t, d])
        let h = x + attentionProjection(attended)
        return (h + projection(Self.geluTanh(fc(ln2(h)))), k, v)
    }

    /// GPT-2's `gelu_new`: 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))), composed from primitives.
    static func geluTanh(_ x: Tensor) -> Tensor {
        let inner = (x + x * x * x * 0.044715) * Float(0.797_884_560_802_865_4)
        return x * (inner.tanh() + 1) * 0.5
    }

    public func namedParameters() -> [(String, Tensor)] {
        prefixed("ln_1", ln1.namedParameters()) + prefixed("attn.c_attn", attention.namedParameters())
            + prefixed("attn.c_proj", attentionProjection.namedParameters()) + prefixed("ln_2", ln2.namedParameters())
            + prefixed("mlp.c_fc", fc.namedParameters()) + prefixed("mlp.c_proj", projection.namedParameters())
    }
}

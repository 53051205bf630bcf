/// A pre-LN transformer encoder layer (CLIP's layout) built from the engine's public ops, used by the layer
/// benchmark and the end-to-end gradient and training tests. PEFTCLIP has the real, checkpoint-compatible one.
///
/// x → LN → q, k, v → attention(mask) → out proj → + x → LN → fc1 → quick GELU → fc2 → + residual.
/// Shapes: `[B, T, D] → [B, T, D]`. Parameter names follow HF CLIP (`self_attn.q_proj.weight`, `mlp.fc1.bias`, …).
package final class ReferenceEncoderLayer: ParameterContainer {
    package let heads: Int
    package let layerNorm1: LayerNorm, layerNorm2: LayerNorm
    package let qProj: Linear, kProj: Linear, vProj: Linear, outProj: Linear
    package let fc1: Linear, fc2: Linear

    package init(width: Int, heads: Int, mlpWidth: Int, rng: inout RNG) {
        precondition(width % heads == 0, "ReferenceEncoderLayer: width \(width) not divisible by \(heads) heads")
        self.heads = heads
        layerNorm1 = LayerNorm(dim: width)
        layerNorm2 = LayerNorm(dim: width)
        qProj = Linear(inputSize: width, outputSize: width, rng: &rng)
        kProj = Linear(inputSize: width, outputSize: width, rng: &rng)
        vProj = Linear(inputSize: width, outputSize: width, rng: &rng)
        outProj = Linear(inputSize: width, outputSize: width, rng: &rng)
        fc1 = Linear(inputSize: width, outputSize: mlpWidth, rng: &rng)
        fc2 = Linear(inputSize: mlpWidth, outputSize: width, rng: &rng)
    }

    /// One layer over `x` `[B, T, D]` with an optional additive attention mask (broadcastable to `[B, H, T, T]`).
    package func callAsFunction(_ x: Tensor, mask: Tensor?) -> Tensor {
        let (b, t, d) = (x.shape[0], x.shape[1], x.shape[2])
        let dh = d / heads
        func splitHeads(_ y: Tensor) -> Tensor { y.reshaped([b, t, heads, dh]).permuted([0, 2, 1, 3]) }
        let h = layerNorm1(x)
        let attended = Tensor.attention(q: splitHeads(qProj(h)), k: splitHeads(kProj(h)), v: splitHeads(vProj(h)), mask: mask)
        let x1 = x + outProj(attended.permuted([0, 2, 1, 3]).reshaped([b, t, d]))
        return x1 + fc2(fc1(layerNorm2(x1)).quickGelu())
    }

    package func namedParameters() -> [(String, Tensor)] {
        prefixed("layer_norm1", layerNorm1.namedParameters()) + prefixed("self_attn.q_proj", qProj.namedParameters())
            + prefixed("self_attn.k_proj", kProj.namedParameters()) + prefixed("self_attn.v_proj", vProj.namedParameters())
            + prefixed("self_attn.out_proj", outProj.namedParameters())
            + prefixed("layer_norm2", layerNorm2.namedParameters()) + prefixed("mlp.fc1", fc1.namedParameters())
            + prefixed("mlp.fc2", fc2.namedParameters())
    }
}

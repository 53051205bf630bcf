/// Convolution as used by ViT patch embeddings (kernel = stride, no padding).
extension Tensor {
    /// conv2d with stride = kernel = `patch`, flattened to tokens: `x [B, C, H, W]`, `weight [D, C, p, p]`,
    /// `bias [D]` → `[B, (H/p)·(W/p), D]`, patches in row-major order (HF CLIP's patch_embedding + flatten + transpose).
    ///
    /// Non-overlapping patches make im2col a pure permutation: `[B, C, H/p, p, W/p, p] → [B, H/p, W/p, C, p, p]`,
    /// then one linear layer with the weight viewed as `[D, C·p·p]`. Gradients come from those two primitives.
    public func patchEmbedding(weight: Tensor, bias: Tensor?, patch: Int) -> Tensor {
        precondition(rank == 4, "patchEmbedding: input must be [B, C, H, W], got \(shape)")
        let (b, c, h, w) = (shape[0], shape[1], shape[2], shape[3])
        precondition(patch > 0 && h % patch == 0 && w % patch == 0,
                     "patchEmbedding: image \(h)×\(w) is not divisible into \(patch)×\(patch) patches")
        precondition(weight.rank == 4 && weight.shape[1] == c && weight.shape[2] == patch && weight.shape[3] == patch,
                     "patchEmbedding: weight \(weight.shape) does not match [D, \(c), \(patch), \(patch)]")
        let gh = h / patch, gw = w / patch, d = weight.shape[0]
        let patches = reshaped([b, c, gh, patch, gw, patch]).permuted([0, 2, 4, 1, 3, 5])
            .reshaped([b, gh * gw, c * patch * patch])
        return patches.linear(weight: weight.reshaped([d, c * patch * patch]), bias: bias)
    }
}

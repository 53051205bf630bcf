/// Layer normalisation over the last axis with learnable scale (`weight`, init 1) and shift (`bias`, init 0).
public final class LayerNorm: ParameterContainer {
    /// `[D]` scale.
    public let weight: Tensor
    /// `[D]` shift.
    public let bias: Tensor
    /// Added to the variance (1e-5 in torch and CLIP).
    public let eps: Float

    /// Identity-initialised trainable parameters for vectors of size `dim`.
    public init(dim: Int, eps: Float = 1e-5) {
        weight = Tensor.ones([dim], requiresGrad: true)
        bias = Tensor.zeros([dim], requiresGrad: true)
        weight.name = "weight"
        bias.name = "bias"
        self.eps = eps
    }

    /// A norm around existing `[D]` tensors (e.g. a checkpoint's, or trainable copies of them).
    public init(weight: Tensor, bias: Tensor, eps: Float = 1e-5) {
        precondition(weight.rank == 1 && bias.shape == weight.shape,
                     "LayerNorm: weight \(weight.shape) and bias \(bias.shape) must be the same [D]")
        self.weight = weight
        self.bias = bias
        self.eps = eps
    }

    /// `[.., D] → [.., D]`.
    public func callAsFunction(_ x: Tensor) -> Tensor { x.layerNorm(weight: weight, bias: bias, eps: eps) }

    public func namedParameters() -> [(String, Tensor)] { [("weight", weight), ("bias", bias)] }
}

/// Affine layer y = x·Wᵀ + b with the PyTorch/HF weight layout `[out, in]`.
///
/// Initialisation matches `torch.nn.Linear`: W and b uniform in ±1/√in. Parameters: `weight` `[out, in]`,
/// `bias` `[out]` (optional). Cost: 2·N·in·out FLOPs per call on N rows.
public final class Linear: ParameterContainer {
    /// `[out, in]`.
    public let weight: Tensor
    /// `[out]`, or nil for a bias-free layer.
    public let bias: Tensor?

    /// A freshly initialised trainable layer.
    public init(inputSize: Int, outputSize: Int, bias hasBias: Bool = true, rng: inout RNG) {
        let bound = 1 / Float(Swift.max(inputSize, 1)).squareRoot()
        weight = Tensor.uniform([outputSize, inputSize], low: -bound, high: bound, rng: &rng, requiresGrad: true)
        weight.name = "weight"
        if hasBias {
            let b = Tensor.uniform([outputSize], low: -bound, high: bound, rng: &rng, requiresGrad: true)
            b.name = "bias"
            bias = b
        } else {
            bias = nil
        }
    }

    /// A layer around existing tensors (e.g. loaded from a checkpoint).
    public init(weight: Tensor, bias: Tensor?) {
        precondition(weight.rank == 2, "Linear: weight must be [out, in], got \(weight.shape)")
        if let bias { precondition(bias.shape == [weight.shape[0]], "Linear: bias \(bias.shape) vs weight \(weight.shape)") }
        self.weight = weight
        self.bias = bias
    }

    /// `[.., in] → [.., out]`.
    public func callAsFunction(_ x: Tensor) -> Tensor { x.linear(weight: weight, bias: bias) }

    public func namedParameters() -> [(String, Tensor)] {
        [("weight", weight)] + (bias.map { [("bias", $0)] } ?? [])
    }
}

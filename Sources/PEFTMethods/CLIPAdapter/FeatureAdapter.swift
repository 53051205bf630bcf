import PEFTCLIP
import PEFTTensor

/// CLIP-Adapter's residual MLP on a tower's projected features (Gao et al. 2021, the authors' `Adapter` module):
///
///     A(f) = ReLU(W₂ · ReLU(W₁ f)),   W₁ [d/r, d], W₂ [d, d/r], no biases
///     out  = α · A(f) + (1 − α) · f
///
/// `[B, d] → [B, d]`. Torch's default linear init (uniform ±1/√in), as the authors' code; the output therefore does
/// not start equal to `f`. Parameters (the authors' keys): `fc.0.weight`, `fc.2.weight`, 2·d·(d/r) in all.
public final class FeatureAdapter: ParameterContainer {
    public let down: Linear
    public let up: Linear
    /// α, the residual ratio (0.2 in the paper).
    public let ratio: Float

    public init(width: Int, bottleneck: Int, ratio: Double, rng: inout RNG) {
        down = Linear(inputSize: width, outputSize: bottleneck, bias: false, rng: &rng)
        up = Linear(inputSize: bottleneck, outputSize: width, bias: false, rng: &rng)
        self.ratio = Float(ratio)
    }

    public func callAsFunction(_ features: Tensor) -> Tensor {
        up(down(features).relu()).relu() * ratio + features * (1 - ratio)
    }

    public func namedParameters() -> [(String, Tensor)] {
        [("fc.0.weight", down.weight), ("fc.2.weight", up.weight)]
    }

    /// Parameters of one adapter: 2·d·m.
    public static func parameterCount(width d: Int, bottleneck m: Int) -> Int { 2 * d * m }
}

import PEFTCLIP
import PEFTTensor

/// (IA)³ (Liu et al. 2022) around a frozen linear: a learned vector `l` (init 1) rescales either the output,
/// `y = l ⊙ (W x + b)` (attention k and v), or — for a feed-forward module — the input, `y = W (l ⊙ x) + b` (the
/// MLP's down projection fc2, whose input is the MLP's hidden units: the paper's `l_ff`). Exactly HF PEFT's
/// `ia3.Linear` with `is_feedforward`.
///
/// Parameters (relative to the slot, PEFT's names and shapes): `weight`, `bias` (the frozen base) and `ia3_l`,
/// `[out, 1]` for output scaling, `[1, in]` for input scaling. Cost per call on N rows: the base's plus N·out
/// (or N·in) multiplies.
public final class IA3Linear: LinearLayer {
    public let base: Linear
    /// `l`: `[out, 1]` (output scaling) or `[1, in]` (input scaling).
    public let scaling: Tensor
    /// True for a feed-forward module: `l` scales the input.
    public let scalesInput: Bool

    /// Wraps `base` with `l = 1` (the wrapped layer starts equal to the base).
    public convenience init(wrapping base: Linear, scalesInput: Bool) {
        let (output, input) = (base.weight.shape[0], base.weight.shape[1])
        self.init(wrapping: base, scaling: Tensor.ones(scalesInput ? [1, input] : [output, 1], requiresGrad: true),
                  scalesInput: scalesInput)
    }

    /// Wraps `base` with a given vector (a PEFT adapter file), of PEFT's shape.
    public init(wrapping base: Linear, scaling: Tensor, scalesInput: Bool) {
        let (output, input) = (base.weight.shape[0], base.weight.shape[1])
        precondition(scaling.shape == (scalesInput ? [1, input] : [output, 1]),
                     "IA3Linear: ia3_l \(scaling.shape) does not fit weight \(base.weight.shape) (feed-forward: \(scalesInput))")
        self.base = base
        self.scaling = scaling
        self.scalesInput = scalesInput
    }

    /// `l` as a vector `[in]` or `[out]`, broadcast over the rows.
    private var vector: Tensor { scaling.reshaped([scaling.count]) }

    public func callAsFunction(_ x: Tensor) -> Tensor {
        scalesInput ? base(x * vector) : base(x) * vector
    }

    /// The plain linear computing the same map (PEFT's `merge`): `W·diag(l)` for input scaling, `diag(l)·W` and
    /// `l ⊙ b` for output scaling. New tensors; the shared base is not changed.
    public func merged() -> Linear {
        GradMode.noGrad {
            scalesInput ? Linear(weight: base.weight * scaling, bias: base.bias)
                        : Linear(weight: base.weight * scaling, bias: base.bias.map { $0 * vector })
        }
    }

    public func namedParameters() -> [(String, Tensor)] {
        base.namedParameters() + [("ia3_l", scaling)]
    }
}

import PEFTCLIP
import PEFTTensor

/// LoRA (Hu et al. 2021) around a frozen linear: `y = W x + b + (α/r) · B A dropout(x)`, with A `[r, in]`
/// Kaiming-uniform (HF PEFT: bound 1/√in) and B `[out, r]` zero, so the wrapped layer starts equal to the base.
///
/// Parameters (relative to the slot, PEFT's names): `weight`, `bias` (the frozen base), `lora_A.weight`,
/// `lora_B.weight`. Cost per call on N rows: the base's 2·N·in·out plus 2·N·r·(in + out) FLOPs.
public final class LoRALinear: LinearLayer {
    public let base: Linear
    /// `[r, in]`.
    public let loraA: Tensor
    /// `[out, r]`.
    public let loraB: Tensor
    /// α / r.
    public let scale: Float
    /// Dropout on the LoRA branch's input.
    public let dropout: Float
    private let mode: ForwardMode

    /// Wraps `base` with fresh factors of rank `rank`.
    public init(wrapping base: Linear, rank: Int, alpha: Double, dropout: Double, mode: ForwardMode, rng: inout RNG) {
        let (output, input) = (base.weight.shape[0], base.weight.shape[1])
        let bound = 1 / Float(input).squareRoot()
        self.base = base
        loraA = Tensor.uniform([rank, input], low: -bound, high: bound, rng: &rng, requiresGrad: true)
        loraB = Tensor.zeros([output, rank], requiresGrad: true)
        scale = Float(alpha / Double(rank))
        self.dropout = Float(dropout)
        self.mode = mode
    }

    /// Wraps `base` with given factors (a PEFT adapter file).
    public init(wrapping base: Linear, loraA: Tensor, loraB: Tensor, scale: Float, mode: ForwardMode) {
        self.base = base
        self.loraA = loraA
        self.loraB = loraB
        self.scale = scale
        dropout = 0
        self.mode = mode
    }

    public func callAsFunction(_ x: Tensor) -> Tensor {
        let input = dropout > 0 && mode.training ? x.dropout(p: dropout, rng: &mode.rng, training: true) : x
        return base(x) + input.linear(weight: loraA, bias: nil).linear(weight: loraB, bias: nil) * scale
    }

    /// `W + (α/r)·B A` as a new tensor (the base's is shared and never changed).
    public func mergedWeight() -> Tensor {
        GradMode.noGrad { base.weight + loraB.matmul(loraA) * scale }
    }

    public func namedParameters() -> [(String, Tensor)] {
        base.namedParameters() + [("lora_A.weight", loraA), ("lora_B.weight", loraB)]
    }
}

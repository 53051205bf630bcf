import PEFTTensor

/// MSE-Adapter's Multi-Scale Fusion: parallel MLPs `in → h_s → width` (GELU) with different hidden widths h_s,
/// combined by a learned weighted sum over scales plus a bias (the official code's 1×3 convolution over the stacked
/// scales), then projected to the LM width and expanded to P pseudo tokens by a `Linear(1 → P)` over a singleton
/// axis: token_p = w_p · u + b_p. One scale (the `msf: false` ablation) skips the weighted sum.
///
/// Shapes: `[B, in]` → `[B, P, D_lm]`. Parameters: `scales.N.fc1/fc2`, `scale_weight` `[S]`, `scale_bias` `[1]`
/// (multi-scale only), `to_lm`, `pseudo.weight` `[P, 1]`, `pseudo.bias` `[P]`.
public final class MultiScaleFusion: ParameterContainer {
    public let scales: [(Linear, Linear)]
    public let scaleWeight: Tensor?
    public let scaleBias: Tensor?
    public let toLM: Linear
    public let pseudoWeight: Tensor
    public let pseudoBias: Tensor

    /// - Parameters: `hidden`: one hidden width per scale (one entry = single scale).
    public init(inputWidth: Int, width: Int, hidden: [Int], lmWidth: Int, pseudoTokens: Int, rng: inout RNG) {
        precondition(!hidden.isEmpty, "MultiScaleFusion: no scales")
        var scales: [(Linear, Linear)] = []
        for h in hidden {
            let fc1 = Linear(inputSize: inputWidth, outputSize: h, rng: &rng)
            scales.append((fc1, Linear(inputSize: h, outputSize: width, rng: &rng)))
        }
        self.scales = scales
        if hidden.count > 1 {
            // Conv2d(1, 1, (1, S))'s init: uniform in ±1/√S.
            let bound = 1 / Float(hidden.count).squareRoot()
            scaleWeight = Tensor.uniform([hidden.count], low: -bound, high: bound, rng: &rng, requiresGrad: true)
            scaleBias = Tensor.uniform([1], low: -bound, high: bound, rng: &rng, requiresGrad: true)
        } else {
            scaleWeight = nil
            scaleBias = nil
        }
        toLM = Linear(inputSize: width, outputSize: lmWidth, rng: &rng)
        pseudoWeight = Tensor.uniform([pseudoTokens, 1], low: -1, high: 1, rng: &rng, requiresGrad: true)
        pseudoBias = Tensor.uniform([pseudoTokens], low: -1, high: 1, rng: &rng, requiresGrad: true)
    }

    /// The fused vector before the LM projection, `[B, width]`.
    public func fuse(_ x: Tensor) -> Tensor {
        let outputs = scales.map { fc1, fc2 in fc2(fc1(x).gelu()) }
        guard let scaleWeight, let scaleBias else { return outputs[0] }
        let stacked = Tensor.concatenated(outputs.map { $0.unsqueezed(axis: 2) }, axis: 2)  // [B, width, S]
        return (stacked * scaleWeight).sum(axes: [2]) + scaleBias
    }

    /// `[B, in]` → pseudo tokens `[B, P, D_lm]`.
    public func callAsFunction(_ x: Tensor) -> Tensor {
        let u = toLM(fuse(x))  // [B, D]
        let p = pseudoWeight.shape[0]
        return u.unsqueezed(axis: 1) * pseudoWeight.reshaped([1, p, 1]) + pseudoBias.reshaped([1, p, 1])
    }

    public func namedParameters() -> [(String, Tensor)] {
        var out: [(String, Tensor)] = []
        for (i, (fc1, fc2)) in scales.enumerated() {
            out += prefixed("scales.\(i).fc1", fc1.namedParameters()) + prefixed("scales.\(i).fc2", fc2.namedParameters())
        }
        if let scaleWeight, let scaleBias { out += [("scale_weight", scaleWeight), ("scale_bias", scaleBias)] }
        return out + prefixed("to_lm", toLM.namedParameters()) + [("pseudo.weight", pseudoWeight), ("pseudo.bias", pseudoBias)]
    }
}

import Foundation

/// Adam with decoupled weight decay (Loshchilov & Hutter), step for step the formula of `torch.optim.AdamW`:
///
///     p ← p·(1 − lr·λ)
///     m ← m + (1 − β₁)(g − m)            v ← β₂·v + (1 − β₂)·g²
///     p ← p − lr/(1 − β₁ᵗ) · m / (√v / √(1 − β₂ᵗ) + ε)
///
/// Scalar coefficients are computed in Double from Double hyper-parameters (as torch does in Python), the element
/// updates in Float32. State buffers: `m.<path>`, `v.<path>`.
public final class AdamW: Optimizer {
    public var beta1: Double
    public var beta2: Double
    public var eps: Double
    /// Decoupled weight decay λ (multiplies the parameter by 1 − lr·λ each step).
    public var weightDecay: Double
    public var state = OptimizerState()

    public init(beta1: Double = 0.9, beta2: Double = 0.999, eps: Double = 1e-8, weightDecay: Double = 0.01) {
        self.beta1 = beta1
        self.beta2 = beta2
        self.eps = eps
        self.weightDecay = weightDecay
    }

    public func step(_ params: [(String, Tensor)], lr: Float) {
        state.step += 1
        let t = Double(state.step), rate = Double(lr)
        let c = Kernels.AdamCoefficients(
            decay: Float(1 - rate * weightDecay), mix1: Float(1 - beta1), beta2: Float(beta2), mix2: Float(1 - beta2),
            stepSize: Float(rate / (1 - Foundation.pow(beta1, t))), correction2: Float((1 - Foundation.pow(beta2, t)).squareRoot()),
            eps: Float(eps))
        for (name, p) in params {
            guard let g = p.grad else { continue }
            var m = state.takeBuffer("m.\(name)", count: p.count), v = state.takeBuffer("v.\(name)", count: p.count)
            m.withUnsafeMutableBufferPointer { pm in v.withUnsafeMutableBufferPointer { pv in
                p.storage.withUnsafeMutableBufferPointer { pp in g.withPointer { pg in
                    if pp.count > 0 { Kernels.adamWUpdate(pp.baseAddress!, pg, pm.baseAddress!, pv.baseAddress!, pp.count, c) }
                } }
            } }
            state.buffers["m.\(name)"] = m
            state.buffers["v.\(name)"] = v
        }
    }
}

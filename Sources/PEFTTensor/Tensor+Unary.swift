import Foundation

/// Elementwise functions of one tensor. Each names its forward formula and its derivative (both in
/// `Kernels/LanewiseFunctions.swift`) and whether the derivative reads the input x or the output y.
///
/// SIMD kernels serve the hot ones (exp, tanh, sigmoid, GELU variants); `log` and general `pow` use libm per element.
/// Costs: one read and one write pass forward, two reads and one write backward.
extension Tensor {
    /// eˣ; d/dx = eˣ.
    public func exp() -> Tensor { unary("exp", Kernels.Exp(), Kernels.TimesOutput(), from: .output) }

    /// √x; d/dx = 1/(2√x).
    public func sqrt() -> Tensor { unary("sqrt", Kernels.Sqrt(), Kernels.SqrtDerivative(), from: .output) }

    /// Hyperbolic tangent; d/dx = 1 − tanh².
    public func tanh() -> Tensor { unary("tanh", Kernels.Tanh(), Kernels.TanhDerivative(), from: .output) }

    /// Logistic function 1/(1 + e⁻ˣ); d/dx = σ(1 − σ).
    public func sigmoid() -> Tensor { unary("sigmoid", Kernels.Sigmoid(), Kernels.SigmoidDerivative(), from: .output) }

    /// max(x, 0); gradient passes where x > 0.
    public func relu() -> Tensor { unary("relu", Kernels.ReLU(), Kernels.ReLUDerivative(), from: .input) }

    /// GELU with the exact normal CDF, as torch's default: x·Φ(x); d/dx = Φ(x) + x·φ(x).
    public func gelu() -> Tensor { unary("gelu", Kernels.GELU(), Kernels.GELUDerivative(), from: .input) }

    /// CLIP's quick GELU x·σ(1.702x); d/dx = σ + 1.702·x·σ(1 − σ).
    public func quickGelu() -> Tensor {
        unary("quick_gelu", Kernels.QuickGELU(), Kernels.QuickGELUDerivative(), from: .input)
    }

    /// |x|; gradient sign(x) (0 at 0).
    public func abs() -> Tensor { unary("abs", Kernels.Abs(), Kernels.AbsDerivative(), from: .input) }

    /// Limits values to [min, max] (either bound optional); gradient passes where the value was not clipped.
    public func clamp(min lower: Float? = nil, max upper: Float? = nil) -> Tensor {
        let lo = lower ?? -.infinity, hi = upper ?? .infinity
        precondition(lo <= hi, "clamp: min \(lo) > max \(hi)")
        return unary("clamp", Kernels.Clamp(lo: lo, hi: hi), Kernels.ClampDerivative(lo: lo, hi: hi), from: .input)
    }

    /// Natural logarithm; d/dx = 1/x.
    public func log() -> Tensor {
        let n = count
        let values = makeBuffer(n) { out in storage.withPointer { x in for i in 0..<n { out[i] = Foundation.log(x[i]) } } }
        return Tensor.result(shape, values, op: "log", inputs: [self]) { [self] g in
            accumulateGrad(makeBuffer(n) { dx in
                storage.withPointer { x in g.withPointer { Kernels.map2(x, $0, dx, n, Kernels.OverInput()) } }
            })
        }
    }

    /// xᵖ elementwise; d/dx = p·xᵖ⁻¹. `pow(2)` is computed as x·x.
    public func pow(_ p: Float) -> Tensor {
        if p == 2 { return unary("pow", Kernels.Square(), Kernels.SquareDerivative(), from: .input) }
        let n = count
        let values = makeBuffer(n) { out in storage.withPointer { x in for i in 0..<n { out[i] = Foundation.pow(x[i], p) } } }
        return Tensor.result(shape, values, op: "pow", inputs: [self]) { [self] g in
            accumulateGrad(makeBuffer(n) { dx in
                storage.withPointer { x in for i in 0..<n { dx[i] = g[i] * p * Foundation.pow(x[i], p - 1) } }
            })
        }
    }

    /// Which value a derivative reads besides the incoming gradient.
    private enum DerivativeSource { case input, output }

    /// y = f(x) elementwise; backward dx = derivative(x or y, g).
    private func unary<F: Lanewise1, D: Lanewise2>(_ label: String, _ f: F, _ derivative: D,
                                                   from source: DerivativeSource) -> Tensor {
        let n = count
        let values = makeBuffer(n) { out in storage.withPointer { Kernels.map($0, out, n, f) } }
        return Tensor.result(shape, values, op: label, inputs: [self]) { [self] g in
            let reads = source == .input ? storage : values
            accumulateGrad(makeBuffer(n) { dx in
                reads.withPointer { r in g.withPointer { Kernels.map2(r, $0, dx, n, derivative) } }
            })
        }
    }
}

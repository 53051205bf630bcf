/// Elementwise functions as small value types, one per formula, each forward beside its derivative.
///
/// Kernels are generic over these (`map`, `map2`, `map3`, `broadcastZip`), so every op's loop is a specialisation with
/// its function inlined, whatever the optimiser decides about closures captured across `concurrentPerform`.
/// Derivatives take (x or y, g) and return dx.
protocol Lanewise1 { func callAsFunction(_ x: SIMD8<Float>) -> SIMD8<Float> }
protocol Lanewise2 { func callAsFunction(_ x: SIMD8<Float>, _ y: SIMD8<Float>) -> SIMD8<Float> }
protocol Lanewise3 { func callAsFunction(_ x: SIMD8<Float>, _ y: SIMD8<Float>, _ z: SIMD8<Float>) -> SIMD8<Float> }

extension Kernels {
    typealias V = SIMD8<Float>

    struct Add: Lanewise2 { @inline(__always) func callAsFunction(_ a: V, _ b: V) -> V { a + b } }
    struct Subtract: Lanewise2 { @inline(__always) func callAsFunction(_ a: V, _ b: V) -> V { a - b } }
    struct Multiply: Lanewise2 { @inline(__always) func callAsFunction(_ a: V, _ b: V) -> V { a * b } }
    struct Divide: Lanewise2 { @inline(__always) func callAsFunction(_ a: V, _ b: V) -> V { a / b } }

    /// x·scale + shift (scalar add, subtract, multiply, negate); derivative g·scale.
    struct Affine: Lanewise1 {
        let scale: Float, shift: Float
        @inline(__always) func callAsFunction(_ x: V) -> V { x * V(repeating: scale) + V(repeating: shift) }
    }
    /// x / s.
    struct DivideBy: Lanewise1 {
        let s: Float
        @inline(__always) func callAsFunction(_ x: V) -> V { x / V(repeating: s) }
    }
    /// s / x; derivative (y, g, x) ↦ −g·y/x.
    struct DivideInto: Lanewise1 {
        let s: Float
        @inline(__always) func callAsFunction(_ x: V) -> V { V(repeating: s) / x }
    }
    struct DivideIntoDerivative: Lanewise3 {
        @inline(__always) func callAsFunction(_ y: V, _ g: V, _ x: V) -> V { -(g * y / x) }
    }

    /// eˣ; derivative (y, g) ↦ g·y.
    struct Exp: Lanewise1 { @inline(__always) func callAsFunction(_ x: V) -> V { VectorMath.exp(x) } }
    struct TimesOutput: Lanewise2 { @inline(__always) func callAsFunction(_ y: V, _ g: V) -> V { g * y } }
    /// exp(x)·s (cross-entropy's softmax from log-probabilities, scaled).
    struct ExpTimes: Lanewise1 {
        let s: Float
        @inline(__always) func callAsFunction(_ x: V) -> V { VectorMath.exp(x) * V(repeating: s) }
    }

    /// 1/x (x > 0 assumed by callers); derivative of log: (x, g) ↦ g/x.
    struct OverInput: Lanewise2 { @inline(__always) func callAsFunction(_ x: V, _ g: V) -> V { g / x } }

    /// √x; derivative (y, g) ↦ g/(2y).
    struct Sqrt: Lanewise1 { @inline(__always) func callAsFunction(_ x: V) -> V { x.squareRoot() } }
    struct SqrtDerivative: Lanewise2 { @inline(__always) func callAsFunction(_ y: V, _ g: V) -> V { g * 0.5 / y } }

    /// tanh; derivative (y, g) ↦ g·(1 − y²).
    struct Tanh: Lanewise1 { @inline(__always) func callAsFunction(_ x: V) -> V { VectorMath.tanh(x) } }
    struct TanhDerivative: Lanewise2 { @inline(__always) func callAsFunction(_ y: V, _ g: V) -> V { g * (1 - y * y) } }

    /// σ(x); derivative (y, g) ↦ g·y(1 − y).
    struct Sigmoid: Lanewise1 { @inline(__always) func callAsFunction(_ x: V) -> V { VectorMath.sigmoid(x) } }
    struct SigmoidDerivative: Lanewise2 { @inline(__always) func callAsFunction(_ y: V, _ g: V) -> V { g * y * (1 - y) } }

    /// max(x, 0); derivative (x, g) ↦ g where x > 0.
    struct ReLU: Lanewise1 { @inline(__always) func callAsFunction(_ x: V) -> V { x.replacing(with: 0, where: x .< 0) } }
    struct ReLUDerivative: Lanewise2 {
        @inline(__always) func callAsFunction(_ x: V, _ g: V) -> V { g.replacing(with: 0, where: x .<= 0) }
    }

    /// x·Φ(x); derivative (x, g) ↦ g·(Φ(x) + x·φ(x)).
    struct GELU: Lanewise1 { @inline(__always) func callAsFunction(_ x: V) -> V { x * VectorMath.normalCDF(x) } }
    struct GELUDerivative: Lanewise2 {
        @inline(__always) func callAsFunction(_ x: V, _ g: V) -> V {
            let pdf = VectorMath.exp(x * x * -0.5) * 0.398_942_280_401_432_7
            return g * (VectorMath.normalCDF(x) + x * pdf)
        }
    }

    /// x·σ(1.702x); derivative (x, g) ↦ g·(σ + 1.702·x·σ(1 − σ)).
    struct QuickGELU: Lanewise1 {
        @inline(__always) func callAsFunction(_ x: V) -> V { x * VectorMath.sigmoid(x * 1.702) }
    }
    struct QuickGELUDerivative: Lanewise2 {
        @inline(__always) func callAsFunction(_ x: V, _ g: V) -> V {
            let s = VectorMath.sigmoid(x * 1.702)
            return g * (s + x * 1.702 * s * (1 - s))
        }
    }

    /// x²; derivative (x, g) ↦ 2xg.
    struct Square: Lanewise1 { @inline(__always) func callAsFunction(_ x: V) -> V { x * x } }
    struct SquareDerivative: Lanewise2 { @inline(__always) func callAsFunction(_ x: V, _ g: V) -> V { x * g * 2 } }

    /// |x|; derivative (x, g) ↦ g·sign(x), 0 at 0.
    struct Abs: Lanewise1 { @inline(__always) func callAsFunction(_ x: V) -> V { VectorMath.abs(x) } }
    struct AbsDerivative: Lanewise2 {
        @inline(__always) func callAsFunction(_ x: V, _ g: V) -> V {
            g.replacing(with: -g, where: x .< 0).replacing(with: 0, where: x .== 0)
        }
    }

    /// Clamp to [lo, hi]; derivative (x, g) ↦ g where lo ≤ x ≤ hi.
    struct Clamp: Lanewise1 {
        let lo: Float, hi: Float
        @inline(__always) func callAsFunction(_ x: V) -> V {
            x.replacing(with: V(repeating: lo), where: x .< lo).replacing(with: V(repeating: hi), where: x .> hi)
        }
    }
    struct ClampDerivative: Lanewise2 {
        let lo: Float, hi: Float
        @inline(__always) func callAsFunction(_ x: V, _ g: V) -> V { g.replacing(with: 0, where: (x .< lo) .| (x .> hi)) }
    }
}

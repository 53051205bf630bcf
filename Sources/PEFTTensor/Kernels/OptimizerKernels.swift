/// Fused parameter updates (one pass over parameter, gradient and state) and the squared norm for clipping.
extension Kernels {
    /// AdamW's per-step scalars, precomputed in Double by the optimiser.
    struct AdamCoefficients {
        let decay: Float, mix1: Float, beta2: Float, mix2: Float, stepSize: Float, correction2: Float, eps: Float
    }

    /// p ← p·decay; m ← m + mix1·(g − m); v ← β₂v + mix2·g²; p ← p − stepSize·m/(√v/correction2 + ε).
    /// Element by element in the same order on any thread count (bitwise reproducible).
    static func adamWUpdate(_ p: UnsafeMutablePointer<Float>, _ g: UnsafePointer<Float>, _ m: UnsafeMutablePointer<Float>,
                            _ v: UnsafeMutablePointer<Float>, _ n: Int, _ c: AdamCoefficients) {
        let pp = SendablePointer(p), pm = SendablePointer(m), pv = SendablePointer(v)
        parallelChunks(n, grain: parallelGrain) { range in
            for i in range {
                pp.base[i] *= c.decay
                pm.base[i] += c.mix1 * (g[i] - pm.base[i])
                pv.base[i] = pv.base[i] * c.beta2 + c.mix2 * g[i] * g[i]  // torch addcmul: value·t1·t2
                let denom = pv.base[i].squareRoot() / c.correction2 + c.eps
                pp.base[i] += -c.stepSize * (pm.base[i] / denom)
            }
        }
    }

    /// SGD with momentum: d = g + decay·p; b = first ? d : μ·b + keep·d; p −= lr·(nesterov ? d + μ·b : b).
    /// `b` is nil when μ = 0 (then p −= lr·d).
    static func sgdUpdate(_ p: UnsafeMutablePointer<Float>, _ g: UnsafePointer<Float>, _ b: UnsafeMutablePointer<Float>?,
                          _ n: Int, lr: Float, decay: Float, mu: Float, keep: Float, first: Bool, nesterov: Bool) {
        let pp = SendablePointer(p), pb = b.map(SendablePointer.init)
        parallelChunks(n, grain: parallelGrain) { range in
            for i in range {
                var d = g[i]
                if decay != 0 { d += decay * pp.base[i] }
                if let pb {
                    pb.base[i] = first ? d : mu * pb.base[i] + keep * d
                    d = nesterov ? d + mu * pb.base[i] : pb.base[i]
                }
                pp.base[i] -= lr * d
            }
        }
    }

    /// Σ x² in Double.
    static func sumOfSquares(_ x: UnsafePointer<Float>, _ n: Int) -> Double {
        var acc = SIMD8<Double>()
        var i = 0
        while i &+ 8 <= n {
            let v = SIMD8<Double>(load8(x, i))
            acc += v * v
            i &+= 8
        }
        var total = acc.sum()
        while i < n { total += Double(x[i]) * Double(x[i]); i &+= 1 }
        return total
    }
}

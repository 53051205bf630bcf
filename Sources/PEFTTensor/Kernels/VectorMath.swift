/// Vectorised transcendental functions on SIMD8<Float> (AVX2 in release builds).
///
/// Written with comparisons + `replacing`, bit casts and plain `*`/`+`: stdlib SIMD `min`/`max`/`rounded` are not
/// vectorised, and its lane-wise `addingProduct` compiles to shuffled partial vectors (1.5× slower here).
/// Accuracy (checked in `KernelTests` against Double libm): `exp` ≈ 2 ulp, `erfc` relative error < 2e-6 for z ≤ 3
/// (< 1e-5 to z = 9, where Float rounding of z² dominates), `tanh` and `sigmoid` absolute error < 3e-7.
enum VectorMath {
    typealias V = SIMD8<Float>

    /// eˣ (Cephes `expf` range reduction and polynomial); 0 below −87, clamped to e⁸⁸ above 88.
    @inline(__always)
    static func exp(_ input: V) -> V {
        let hi = V(repeating: 88), lo = V(repeating: -87)
        var x = input.replacing(with: hi, where: input .> hi)
        x.replace(with: lo, where: x .< lo)
        // n = round(x / ln 2): adding 1.5·2²³ rounds to an integer, which then sits in the low mantissa bits.
        let magic = V(repeating: 12_582_912)
        let shifted: V = x * 1.442_695_04 + magic
        let n: V = shifted - magic
        var r: V = x - n * 0.693_359_375
        r = r + n * 2.121_944_40e-4
        var p = V(repeating: 1.987_569_150_0e-4)
        p = p * r + V(repeating: 1.398_199_950_7e-3)
        p = p * r + V(repeating: 8.333_451_907_3e-3)
        p = p * r + V(repeating: 4.166_579_589_4e-2)
        p = p * r + V(repeating: 1.666_666_545_9e-1)
        p = p * r + V(repeating: 5.000_000_120_1e-1)
        let y: V = p * r * r + r + 1
        let exponent = unsafeBitCast(shifted, to: SIMD8<Int32>.self) &- SIMD8(repeating: 0x4B40_0000)
        let scale = unsafeBitCast((exponent &+ SIMD8(repeating: 127)) &<< SIMD8(repeating: 23), to: V.self)
        return (y * scale).replacing(with: 0, where: input .< lo)
    }

    /// erfc(z) for z ≥ 0 (Numerical Recipes' Chebyshev fit, fractional error < 1.2e-7 before Float rounding).
    @inline(__always)
    static func erfcNonNegative(_ z: V) -> V {
        let t: V = 1 / (z * 0.5 + 1)
        var p = V(repeating: 0.170_872_77)
        p = p * t + V(repeating: -0.822_152_23)
        p = p * t + V(repeating: 1.488_515_87)
        p = p * t + V(repeating: -1.135_203_98)
        p = p * t + V(repeating: 0.278_868_07)
        p = p * t + V(repeating: -0.186_288_06)
        p = p * t + V(repeating: 0.096_784_18)
        p = p * t + V(repeating: 0.374_091_96)
        p = p * t + V(repeating: 1.000_023_68)
        p = p * t + V(repeating: -1.265_512_23)
        return t * exp(p - z * z)
    }

    /// Φ(x) = P(N(0,1) ≤ x) = ½·erfc(−x/√2), accurate in the far left tail (no 1 − erf cancellation).
    @inline(__always)
    static func normalCDF(_ x: V) -> V {
        let z: V = abs(x) * 0.707_106_781_186_547_5
        let half: V = erfcNonNegative(z) * 0.5
        return half.replacing(with: 1 - half, where: x .> 0)
    }

    /// 1 / (1 + e⁻ˣ).
    @inline(__always)
    static func sigmoid(_ x: V) -> V {
        1 / (exp(-x) + 1)
    }

    /// tanh(x): Cephes odd polynomial for |x| < 0.625, 1 − 2/(e²ˣ + 1) beyond.
    @inline(__always)
    static func tanh(_ x: V) -> V {
        let a = abs(x)
        let z: V = x * x
        var p = V(repeating: -5.704_988_727_45e-3)
        p = p * z + V(repeating: 2.063_908_879_54e-2)
        p = p * z + V(repeating: -5.373_971_555_31e-2)
        p = p * z + V(repeating: 1.333_144_220_36e-1)
        p = p * z + V(repeating: -3.333_328_194_22e-1)
        let small: V = p * z * x + x
        let e: V = exp(a * 2)
        var large: V = 1 - 2 / (e + 1)
        large.replace(with: -large, where: x .< 0)
        return large.replacing(with: small, where: a .< 0.625)
    }

    /// |x| by clearing the sign bit.
    @inline(__always)
    static func abs(_ x: V) -> V {
        unsafeBitCast(unsafeBitCast(x, to: SIMD8<UInt32>.self) & SIMD8(repeating: 0x7FFF_FFFF), to: V.self)
    }
}

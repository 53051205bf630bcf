import Foundation

/// Student's t distribution: the two-sided tail probability a paired t-test reports.
public enum StudentT {
    /// P(|T| ≥ |t|) for T with `degrees` degrees of freedom: I_{ν/(ν+t²)}(ν/2, 1/2), the regularised incomplete
    /// beta function (scipy's `2 * t.sf(|t|, ν)`). NaN for NaN `t`; 0 for infinite `t`.
    public static func twoSidedP(t: Double, degrees: Double) -> Double {
        guard !t.isNaN, degrees > 0 else { return .nan }
        guard t.isFinite else { return 0 }
        return IncompleteBeta.regularized(x: degrees / (degrees + t * t), a: degrees / 2, b: 0.5)
    }
}

/// The regularised incomplete beta function I_x(a, b), by the continued fraction of Numerical Recipes §6.4
/// (modified Lentz), using the symmetry I_x(a, b) = 1 − I_{1−x}(b, a) where the fraction converges slowly.
/// Relative error ≈ 1e-14 for the a, b of t-tests over seeds.
enum IncompleteBeta {
    static func regularized(x: Double, a: Double, b: Double) -> Double {
        if x <= 0 { return 0 }
        if x >= 1 { return 1 }
        let logFront = lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log1p(-x)
        if x < (a + 1) / (a + b + 2) {
            return exp(logFront) * continuedFraction(x: x, a: a, b: b) / a
        }
        return 1 - exp(logFront) * continuedFraction(x: 1 - x, a: b, b: a) / b
    }

    private static func continuedFraction(x: Double, a: Double, b: Double) -> Double {
        let tiny = 1e-300, epsilon = 1e-16
        var c = 1.0
        var d = 1 - (a + b) * x / (a + 1)
        if abs(d) < tiny { d = tiny }
        d = 1 / d
        var h = d
        for m in 1 ... 10_000 {
            let m = Double(m), m2 = 2 * m
            var aa = m * (b - m) * x / ((a + m2 - 1) * (a + m2))
            d = 1 + aa * d; if abs(d) < tiny { d = tiny }
            c = 1 + aa / c; if abs(c) < tiny { c = tiny }
            d = 1 / d
            h *= d * c
            aa = -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1))
            d = 1 + aa * d; if abs(d) < tiny { d = tiny }
            c = 1 + aa / c; if abs(c) < tiny { c = tiny }
            d = 1 / d
            let delta = d * c
            h *= delta
            if abs(delta - 1) < epsilon { break }
        }
        return h
    }
}

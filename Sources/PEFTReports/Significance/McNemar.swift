import Foundation

/// McNemar's exact test for two classifiers on the same examples: of the examples exactly one of them gets right,
/// is each equally likely to be the one? Two-sided binomial test of the discordant counts at ½ (statsmodels'
/// `mcnemar(exact=True)`, scipy's `binomtest(min(b, c), b + c, 0.5)`), without continuity correction (exact).
public struct McNemar: Sendable, Equatable {
    /// Examples the baseline gets right and the candidate wrong.
    public var baselineOnly: Int
    /// Examples the candidate gets right and the baseline wrong.
    public var candidateOnly: Int
    /// min(1, 2·P(X ≤ min(b, c))) for X ~ Binomial(b + c, ½); 1 when there is no discordant example.
    public var p: Double

    public init(baselineOnly b: Int, candidateOnly c: Int) {
        baselineOnly = b
        candidateOnly = c
        let n = b + c
        guard n > 0 else { p = 1; return }
        // Sum the lower tail in log space: C(n, k) / 2ⁿ underflows a Double beyond n ≈ 1070.
        var tail = 0.0
        for k in 0 ... Swift.min(b, c) {
            tail += exp(lgamma(Double(n + 1)) - lgamma(Double(k + 1)) - lgamma(Double(n - k + 1)) - Double(n) * log(2.0))
        }
        p = Swift.min(1, 2 * tail)
    }

    /// The test of two classifiers' correctness per example (the same examples in the same order).
    public init(candidateCorrect: [Bool], baselineCorrect: [Bool]) {
        precondition(candidateCorrect.count == baselineCorrect.count, "McNemar: \(candidateCorrect.count) vs \(baselineCorrect.count) examples")
        var b = 0, c = 0
        for (candidate, baseline) in zip(candidateCorrect, baselineCorrect) where candidate != baseline {
            if baseline { b += 1 } else { c += 1 }
        }
        self.init(baselineOnly: b, candidateOnly: c)
    }
}

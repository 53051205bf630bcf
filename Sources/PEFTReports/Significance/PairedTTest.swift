/// A paired t-test (scipy's `ttest_rel`, two-sided): are the per-seed differences between a configuration and the
/// baseline centred on zero?
public struct PairedTTest: Sendable, Equatable {
    /// Pairs compared (seeds both groups finished).
    public var pairs: Int
    /// Mean difference, candidate − baseline.
    public var meanDifference: Double
    /// t statistic; ±infinity when every difference is equal and non-zero, NaN when all are zero.
    public var t: Double
    /// Two-sided p-value with `pairs − 1` degrees of freedom (NaN when undefined, as scipy).
    public var p: Double

    /// The test of `candidate[i] − baseline[i]`; nil for fewer than two pairs.
    public init?(candidate: [Double], baseline: [Double]) {
        precondition(candidate.count == baseline.count, "PairedTTest: \(candidate.count) candidate values vs \(baseline.count) baseline values")
        let n = candidate.count
        guard n >= 2 else { return nil }
        let differences = zip(candidate, baseline).map { $0 - $1 }
        let mean = differences.reduce(0, +) / Double(n)
        let variance = differences.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(n - 1)
        pairs = n
        meanDifference = mean
        t = mean / (variance.squareRoot() / Double(n).squareRoot())
        p = StudentT.twoSidedP(t: t, degrees: Double(n - 1))
    }

    /// `***` for p < 0.001, `**` < 0.01, `*` < 0.05, else empty (the markers the report's caption explains).
    public static func marker(p: Double) -> String {
        guard p.isFinite else { return "" }
        return p < 0.001 ? "***" : p < 0.01 ? "**" : p < 0.05 ? "*" : ""
    }
}

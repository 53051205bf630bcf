import PEFTData

/// A paired bootstrap confidence interval over test examples: resample the examples with replacement (the same
/// indices for every run compared), recompute the statistic, and take percentiles of its distribution.
///
/// Indices come from SplitMix64 seeded with `seed` (`index = next() % n`, n draws per resample, resample after
/// resample), and the interval uses numpy's default (linear) percentile, so scripts/reference/make_report_golden.py
/// reproduces it exactly. Cost: `resamples × n` index draws plus `resamples` statistic evaluations.
public struct PairedBootstrap: Sendable, Equatable {
    public var resamples: Int
    public var seed: UInt64
    /// Central coverage, e.g. 0.95 for the 2.5th–97.5th percentiles.
    public var confidence: Double

    public init(resamples: Int = 10_000, seed: UInt64 = 0, confidence: Double = 0.95) {
        self.resamples = resamples
        self.seed = seed
        self.confidence = confidence
    }

    /// The statistic on all `count` examples and its percentile interval; `statistic` gets the resampled indices.
    public func interval(count: Int, statistic: ([Int]) -> Double) -> (observed: Double, low: Double, high: Double) {
        intervals(count: count) { [statistic($0)] }[0]
    }

    /// The same for a vector of statistics computed together on each resample (one interval per component, all
    /// from the same resamples: the same numbers `interval` gives for each component alone).
    public func intervals(count: Int, statistic: ([Int]) -> [Double]) -> [(observed: Double, low: Double, high: Double)] {
        let observed = statistic(Array(0 ..< count))
        guard count > 0, resamples > 0 else { return observed.map { ($0, .nan, .nan) } }
        var rng = SplitMix64(seed: seed)
        var values = [[Double]](repeating: [Double](repeating: 0, count: resamples), count: observed.count)
        var indices = [Int](repeating: 0, count: count)
        for b in 0 ..< resamples {
            for i in 0 ..< count { indices[i] = Int(rng.next() % UInt64(count)) }
            for (k, value) in statistic(indices).enumerated() { values[k][b] = value }
        }
        let tail = (1 - confidence) / 2
        return zip(observed, values).map { observed, column in
            let sorted = column.sorted()
            return (observed, Self.percentile(sorted, tail), Self.percentile(sorted, 1 - tail))
        }
    }

    /// numpy's `percentile(method="linear")` of sorted `values` at fraction `q`.
    static func percentile(_ values: [Double], _ q: Double) -> Double {
        let position = q * Double(values.count - 1)
        let lower = Int(position.rounded(.down)), upper = Swift.min(lower + 1, values.count - 1)
        let fraction = position - Double(lower)
        let (a, b) = (values[lower], values[upper])
        // numpy's lerp: a + (b − a)·t below ½, b − (b − a)·(1 − t) from ½ on.
        return fraction < 0.5 ? a + (b - a) * fraction : b - (b - a) * (1 - fraction)
    }
}

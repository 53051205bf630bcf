/// The comparison tables of one or more experiments: one row per configuration, aggregated over seeds, with
/// significance against a baseline row; rendered by `rendered(as:)` and `html()`.
public struct ComparisonReport: Sendable {
    public var options: ReportOptions
    public var experiments: [ExperimentTable]
}

/// Runs of one group by state.
public struct StateCounts: Sendable, Equatable, Codable {
    public var queued = 0, running = 0, succeeded = 0, failed = 0, cancelled = 0
    public var total: Int { queued + running + succeeded + failed + cancelled }

    public init() {}

    mutating func add(_ state: String) {
        switch state {
        case "queued": queued += 1
        case "running": running += 1
        case "succeeded": succeeded += 1
        case "failed": failed += 1
        default: cancelled += 1
        }
    }

    /// `2 running, 1 failed` for what is not succeeded; empty when every run succeeded.
    public var unfinished: String {
        [(queued, "queued"), (running, "running"), (failed, "failed"), (cancelled, "cancelled")]
            .filter { $0.0 > 0 }.map { "\($0.0) \($0.1)" }.joined(separator: ", ")
    }
}

/// One experiment's table.
public struct ExperimentTable: Sendable {
    public var name: String
    public var task: String
    public var dataset: String
    /// Metric columns, in order (the first is the one significance and the plots use).
    public var metrics: [String]
    public var rows: [ConfigurationRow]
    public var states: StateCounts
    /// The baseline row's label, when significance was asked for.
    public var baseline: String?
    /// The baseline row's experiment when it is not this one.
    public var baselineExperiment: String?
    /// Learning curves per configuration (training loss, validation target metric).
    public var curves: [ConfigurationCurves]
    /// The validation metric that selected checkpoints (the runs' target metric).
    public var targetMetric: String
}

/// One configuration (a grid point; every setting but the seed) aggregated over its seeds.
public struct ConfigurationRow: Sendable {
    /// `lora r=8 layers=7-12`: the method and the grid values that vary.
    public var label: String
    public var method: String
    /// The grid values, keys as in the spec (`method.r`).
    public var grid: [(key: String, value: String)]
    public var states: StateCounts
    public var seeds: [Int]
    public var trainableParams: Int?
    public var totalParams: Int?
    /// Mean over succeeded runs.
    public var seconds: Double?
    public var examplesPerSecond: Double?
    /// Selected steps over succeeded runs (min, max).
    public var steps: ClosedRange<Int>?
    /// Runs whose best-val selection fell back to their last step.
    public var fallbacks: Int
    /// Per metric: the aggregate over seeds.
    public var values: [String: MetricSummary]
    /// Per metric: the comparison with the baseline row (absent for the baseline itself and without one).
    public var comparisons: [String: BaselineComparison]
    public var isBaseline: Bool

    /// Share of the run's model that trains, in percent (nil for runs on stored features: no backbone).
    public var trainablePercent: Double? {
        guard let trainableParams, let totalParams, totalParams > trainableParams, totalParams > 0 else { return nil }
        return 100 * Double(trainableParams) / Double(totalParams)
    }
}

/// A metric over the seeds of a configuration.
public struct MetricSummary: Sendable, Equatable {
    /// Value per seed (succeeded runs that have it), by seed.
    public var perSeed: [Int: Double]
    /// Runs whose value was recomputed from stored predictions (the metric was not recorded).
    public var recomputed: Int

    public var n: Int { perSeed.count }
    public var mean: Double? { n == 0 ? nil : perSeed.values.sorted().reduce(0, +) / Double(n) }
    /// Sample standard deviation (n − 1), two-pass; nil below two seeds.
    public var std: Double? {
        guard n > 1, let mean else { return nil }
        return (perSeed.values.sorted().reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(n - 1)).squareRoot()
    }
}

/// A configuration against the baseline on one metric.
public struct BaselineComparison: Sendable, Equatable {
    /// Over the seeds both finished.
    public var tTest: PairedTTest?
    /// Seed-averaged difference over test examples with its bootstrap interval (when predictions are stored).
    public var bootstrap: BootstrapInterval?
    /// McNemar's exact test per paired seed (accuracy only; by seed).
    public var mcnemar: [Int: McNemar]

    /// The least significant McNemar p over paired seeds (what tables show).
    public var mcnemarMaxP: Double? { mcnemar.values.map(\.p).max() }
}

/// A paired-bootstrap interval of a difference.
public struct BootstrapInterval: Sendable, Equatable {
    public var observed: Double
    public var low: Double
    public var high: Double
    public var pairs: Int
    public var examples: Int
}

/// A configuration's learning curves: per series, the mean and min–max over seeds at each step.
public struct ConfigurationCurves: Sendable {
    public var label: String
    public var trainLoss: [CurvePoint]
    public var valMetric: [CurvePoint]
}

/// One x position of a curve: mean and range over the seeds that reached it.
public struct CurvePoint: Sendable, Equatable {
    public var step: Int
    public var mean: Double
    public var low: Double
    public var high: Double
}

import Foundation

extension ComparisonReport {
    /// One CSV row per configuration of every experiment, unrounded numbers: the grid values as `grid.KEY`
    /// columns, then per metric `METRIC_mean`, `_std`, `_n` and, against a baseline, `_delta`, `_ci_low`,
    /// `_ci_high`, `_t_p`, `_mcnemar_p` (largest over paired seeds).
    public func csv() -> String {
        let gridKeys = Array(Set(experiments.flatMap { $0.rows.flatMap { $0.grid.map(\.key) } })).sorted()
        let metrics = experiments.flatMap(\.metrics).reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
        let significance = experiments.contains { $0.baseline != nil }
        var columns = ["experiment", "configuration", "method"] + gridKeys.map { "grid.\($0)" }
        columns += ["baseline", "selection", "split", "seeds", "runs", "running", "failed", "queued", "cancelled",
                    "trainable_params", "total_params", "seconds", "examples_per_second", "min_step", "max_step", "fallbacks"]
        for metric in metrics {
            columns += ["_mean", "_std", "_n"].map { metric + $0 }
            if significance { columns += ["_delta", "_ci_low", "_ci_high", "_t_p", "_mcnemar_p"].map { metric + $0 } }
        }
        var rows: [[TextTable.Cell]] = []
        for experiment in experiments {
            for row in experiment.rows {
                let grid = Dictionary(row.grid.map { ($0.key, $0.value) }, uniquingKeysWith: { a, _ in a })
                var cells = [text(experiment.name), text(row.label), text(row.method)] + gridKeys.map { text(grid[$0]) }
                cells += [text(row.isBaseline ? "yes" : ""), text(options.selection.rawValue), text(options.split),
                          number(row.states.succeeded), number(row.states.total), number(row.states.running),
                          number(row.states.failed), number(row.states.queued), number(row.states.cancelled),
                          number(row.trainableParams), number(row.totalParams), number(row.seconds), number(row.examplesPerSecond),
                          number(row.steps?.lowerBound), number(row.steps?.upperBound), number(row.fallbacks)]
                for metric in metrics {
                    let summary = row.values[metric], comparison = row.comparisons[metric]
                    cells += [number(summary?.mean), number(summary?.std), number(summary?.n)]
                    if significance {
                        cells += [number(comparison?.bootstrap?.observed), number(comparison?.bootstrap?.low),
                                  number(comparison?.bootstrap?.high), number(comparison?.tTest?.p), number(comparison?.mcnemarMaxP)]
                    }
                }
                rows.append(cells)
            }
        }
        return TextTable(columns: columns, rows: rows).renderCSV()
    }

    /// The whole report as JSON (sorted keys): options, and per experiment its rows with per-seed values,
    /// comparisons (t-test, bootstrap, McNemar per seed), learning curves and run states.
    public func json() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let data = (try? encoder.encode(ReportJSON(self))) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    private func text(_ s: String?) -> TextTable.Cell { s.map { TextTable.Cell($0) } ?? TextTable.Cell("", kind: .null) }
    private func number(_ n: Int?) -> TextTable.Cell { n.map { TextTable.Cell(String($0), kind: .number) } ?? TextTable.Cell("", kind: .null) }
    private func number(_ d: Double?) -> TextTable.Cell {
        guard let d, d.isFinite else { return TextTable.Cell("", kind: .null) }
        return TextTable.Cell("\(d)", kind: .number)
    }
}

/// The JSON shape of a report (`peftlab report --format json`); NaN and infinities become null.
struct ReportJSON: Encodable {
    struct Options: Encodable {
        let experiments: [String], metrics: [String], split: String, selection: String, baseline: [String]
        let bootstrapResamples: Int, bootstrapSeed: UInt64, confidence: Double
    }
    struct Metric: Encodable {
        let mean: Double?, std: Double?, n: Int, recomputed: Int, perSeed: [String: Double]
    }
    struct TTest: Encodable { let pairs: Int, meanDifference: Double?, t: Double?, p: Double? }
    struct Bootstrap: Encodable { let observed: Double?, low: Double?, high: Double?, pairs: Int, examples: Int }
    struct McNemarTest: Encodable { let baselineOnly: Int, candidateOnly: Int, p: Double }
    struct Comparison: Encodable { let tTest: TTest?, bootstrap: Bootstrap?, mcnemar: [String: McNemarTest] }
    struct Row: Encodable {
        let configuration: String, method: String, grid: [String: String], isBaseline: Bool, states: StateCounts
        let seeds: [Int], trainableParams: Int?, totalParams: Int?, trainablePercent: Double?
        let seconds: Double?, examplesPerSecond: Double?, minStep: Int?, maxStep: Int?, fallbacks: Int
        let metrics: [String: Metric], comparisons: [String: Comparison]
    }
    struct Point: Encodable { let step: Int, mean: Double?, low: Double?, high: Double? }
    struct Curves: Encodable { let configuration: String, trainLoss: [Point], valMetric: [Point] }
    struct Experiment: Encodable {
        let name: String, task: String, dataset: String, targetMetric: String, metrics: [String], caption: String
        let baseline: String?, baselineExperiment: String?, states: StateCounts, rows: [Row], curves: [Curves]
    }
    var options: Options
    var experiments: [Experiment]

    init(_ report: ComparisonReport) {
        let o = report.options
        options = Options(experiments: report.experiments.map(\.name), metrics: o.metrics, split: o.split,
                          selection: o.selection.rawValue, baseline: o.baseline.map(\.description),
                          bootstrapResamples: o.bootstrap.resamples, bootstrapSeed: o.bootstrap.seed, confidence: o.bootstrap.confidence)
        func finite(_ d: Double?) -> Double? { d.flatMap { $0.isFinite ? $0 : nil } }
        func points(_ curve: [CurvePoint]) -> [Point] {
            curve.map { Point(step: $0.step, mean: finite($0.mean), low: finite($0.low), high: finite($0.high)) }
        }
        experiments = report.experiments.map { table in
            Experiment(name: table.name, task: table.task, dataset: table.dataset, targetMetric: table.targetMetric,
                       metrics: table.metrics, caption: ReportTable(table, options: o).caption, baseline: table.baseline,
                       baselineExperiment: table.baselineExperiment, states: table.states,
                       rows: table.rows.map { row in
                Row(configuration: row.label, method: row.method,
                    grid: Dictionary(row.grid.map { ($0.key, $0.value) }, uniquingKeysWith: { a, _ in a }),
                    isBaseline: row.isBaseline, states: row.states, seeds: row.seeds, trainableParams: row.trainableParams,
                    totalParams: row.totalParams, trainablePercent: row.trainablePercent, seconds: finite(row.seconds),
                    examplesPerSecond: finite(row.examplesPerSecond), minStep: row.steps?.lowerBound, maxStep: row.steps?.upperBound,
                    fallbacks: row.fallbacks,
                    metrics: row.values.mapValues { s in
                        Metric(mean: finite(s.mean), std: finite(s.std), n: s.n, recomputed: s.recomputed,
                               perSeed: Dictionary(s.perSeed.map { (String($0.key), $0.value) }, uniquingKeysWith: { a, _ in a }))
                    },
                    comparisons: row.comparisons.mapValues { c in
                        Comparison(tTest: c.tTest.map { TTest(pairs: $0.pairs, meanDifference: finite($0.meanDifference), t: finite($0.t), p: finite($0.p)) },
                                   bootstrap: c.bootstrap.map { Bootstrap(observed: finite($0.observed), low: finite($0.low), high: finite($0.high),
                                                                          pairs: $0.pairs, examples: $0.examples) },
                                   mcnemar: Dictionary(c.mcnemar.map { (String($0.key), McNemarTest(baselineOnly: $0.value.baselineOnly,
                                                                                                  candidateOnly: $0.value.candidateOnly, p: $0.value.p)) },
                                                       uniquingKeysWith: { a, _ in a }))
                    })
            }, curves: table.curves.map { Curves(configuration: $0.label, trainLoss: points($0.trainLoss), valMetric: points($0.valMetric)) })
        }
    }
}

import Foundation
import PEFTMethods
import PEFTStore

extension ComparisonReport {
    /// Reads the runs of `options.experiments` and builds their tables: groups of seeds per configuration, the
    /// metric of each succeeded run at its selected step (recomputed from stored predictions when it was not
    /// recorded), learning curves, and the comparisons with the baseline.
    /// - Throws: `ReportError` for unknown experiments, metrics or baselines; `StoreError` for the database.
    public init(store: Store, options: ReportOptions) throws {
        self.options = options
        let loaded = try store.read { tx in try ReportInputs(tx: tx, options: options) }
        let baselines = try BaselineFinder(options.baseline, groups: loaded.groups)
        experiments = try loaded.experimentOrder.map { name in
            let groups = loaded.groups.filter { $0.experiment == name }
            let baseline = try baselines.baseline(for: name)
            return ExperimentTable(inputs: loaded, experiment: name, groups: groups, baseline: baseline, options: options)
        }
    }
}

/// The seeds of one configuration of one experiment, as read from the store.
struct RunGroup {
    var experiment: String
    var configuration: String
    var method: String
    var grid: [(key: String, value: String)]
    var config: ConfigValue
    var runs: [ReportRun]

    var task: TaskKind { config[path: "task"]?.stringValue.flatMap(TaskKind.init) ?? .classification }
    var targetMetric: String { config[path: "target_metric"]?.stringValue ?? task.defaultTarget }
    var succeeded: [ReportRun] { runs.filter { $0.state == "succeeded" } }
}

/// Everything a report reads, in one read transaction.
struct ReportInputs {
    var experimentOrder: [String]
    var groups: [RunGroup]
    /// Selected step per run.
    var selected: [Int64: RunSelection]
    /// Metric values at the selected step: run → name → value.
    var values: [Int64: [String: Double]]
    /// Stored predictions of the split at the selected step.
    var predictions: [Int64: StoredPredictions]
    /// Training loss and validation metrics per run: run → (split, name) → rows.
    var curves: [Int64: [String: [MetricRow]]]

    init(tx: any StoreTransaction, options: ReportOptions) throws {
        let known = try ReportRun.experimentNames(in: tx)
        if known.isEmpty { throw ReportError.noExperiments }
        for name in options.experiments where !known.contains(name) { throw ReportError.unknownExperiment(name, known: known) }
        let metricNames = Set(TaskKind.allCases.flatMap(\.metricNames))
        for metric in options.metrics where !metricNames.contains(metric) {
            throw ReportError.unknownMetric(metric, known: TaskKind.allCases.flatMap(\.metricNames).reduce(into: []) { if !$0.contains($1) { $0.append($1) } })
        }
        let runs = try ReportRun.all(experiments: options.experiments, in: tx)
        experimentOrder = options.experiments.isEmpty ? known.filter { name in runs.contains { $0.experiment == name } } : options.experiments
        groups = []
        var index: [String: Int] = [:]
        for run in runs {
            let key = run.experiment + "\u{0}" + run.configuration
            if let i = index[key] { groups[i].runs.append(run); continue }
            index[key] = groups.count
            groups.append(RunGroup(experiment: run.experiment, configuration: run.configuration, method: run.method,
                                   grid: GridLabel.values(gridJSON: run.gridJSON), config: try ConfigValue.parseJSON(run.configJSON),
                                   runs: [run]))
        }
        selected = try RunSelection.steps(selection: options.selection.rawValue, in: tx)
        let succeeded = groups.flatMap(\.succeeded).map(\.runID)
        let names = Array(Set(groups.flatMap { ExperimentTable.metrics(for: $0, options: options) }))
        values = [:]
        for row in try MetricRow.some(runIDs: succeeded, split: options.split, names: names, in: tx)
        where selected[row.runID]?.step == row.step {
            values[row.runID, default: [:]][row.name] = row.value
        }
        predictions = [:]
        for id in succeeded {
            guard let step = selected[id]?.step else { continue }
            if let record = try PredictionRecord.fetch(runID: id, split: options.split, step: step, in: tx) {
                predictions[id] = record.predictions
            }
        }
        curves = [:]
        for row in try MetricRow.some(runIDs: succeeded, split: "train", names: ["loss"], in: tx) {
            curves[row.runID, default: [:]]["train loss", default: []].append(row)
        }
        let targets = Array(Set(groups.map(\.targetMetric)))
        for row in try MetricRow.some(runIDs: succeeded, split: "val", names: targets, in: tx) {
            curves[row.runID, default: [:]]["val " + row.name, default: []].append(row)
        }
    }
}

extension ExperimentTable {
    /// The metric columns of a group: the ones asked for, or the target metric and the task's usual ones.
    static func metrics(for group: RunGroup, options: ReportOptions) -> [String] {
        if !options.metrics.isEmpty { return options.metrics }
        let usual: [String]
        switch group.task {
        case .classification: usual = ["accuracy", "macro_f1", "f1"]
        case .regression: usual = ["mae", "corr", "acc2", "acc7"]
        case .retrieval: usual = ["rsum", "i2t_r1", "t2i_r1"]
        }
        return [group.targetMetric] + usual.filter { $0 != group.targetMetric }
    }

    init(inputs: ReportInputs, experiment: String, groups: [RunGroup], baseline: RunGroup?, options: ReportOptions) {
        name = experiment
        let first = groups.first
        task = first?.task.rawValue ?? ""
        dataset = first?.config[path: "dataset"]?.stringValue ?? ""
        targetMetric = first?.targetMetric ?? ""
        let metrics = first.map { Self.metrics(for: $0, options: options) } ?? options.metrics
        self.metrics = metrics
        states = StateCounts()
        for run in groups.flatMap(\.runs) { states.add(run.state) }
        self.baseline = baseline.map { GridLabel.label(method: $0.method, grid: $0.grid) }
        baselineExperiment = baseline.flatMap { $0.experiment == experiment ? nil : $0.experiment }
        let labels = GridLabel.unique(groups.map { GridLabel.label(method: $0.method, grid: $0.grid) })
        let baselineSummaries = baseline.map { ConfigurationRow.summaries($0, metrics: metrics, inputs: inputs) }
        rows = zip(groups, labels).map { group, label in
            var row = ConfigurationRow(group: group, label: label, metrics: metrics, inputs: inputs)
            if let baseline, let baselineSummaries {
                if group.configuration == baseline.configuration && group.experiment == baseline.experiment {
                    row.isBaseline = true
                } else {
                    row.comparisons = BaselineComparison.all(candidate: group, values: row.values, baseline: baseline,
                                                             baselineValues: baselineSummaries, metrics: metrics,
                                                             inputs: inputs, bootstrap: options.bootstrap)
                }
            }
            return row
        }
        curves = zip(groups, labels).map { group, label in
            ConfigurationCurves(label: label, trainLoss: Self.curve(group, key: "train loss", inputs: inputs),
                                valMetric: Self.curve(group, key: "val " + group.targetMetric, inputs: inputs))
        }
    }

    /// Mean and min–max over the group's succeeded runs per step, averaged into at most 200 bins of steps.
    static func curve(_ group: RunGroup, key: String, inputs: ReportInputs) -> [CurvePoint] {
        let series = group.succeeded.compactMap { inputs.curves[$0.runID]?[key] }.filter { !$0.isEmpty }
        guard let maxStep = series.flatMap({ $0.map(\.step) }).max() else { return [] }
        let width = Swift.max(1, (maxStep + 199) / 200)
        var perBin: [Int: [Double]] = [:]
        for rows in series {
            var sums: [Int: (Double, Int)] = [:]
            for row in rows { let bin = (row.step - 1) / width; sums[bin, default: (0, 0)].0 += row.value; sums[bin, default: (0, 0)].1 += 1 }
            for (bin, (sum, count)) in sums { perBin[bin, default: []].append(sum / Double(count)) }
        }
        return perBin.keys.sorted().map { bin in
            let values = perBin[bin]!
            return CurvePoint(step: Swift.min(maxStep, (bin + 1) * width), mean: values.reduce(0, +) / Double(values.count),
                              low: values.min()!, high: values.max()!)
        }
    }
}

extension ConfigurationRow {
    init(group: RunGroup, label: String, metrics: [String], inputs: ReportInputs) {
        self.label = label
        method = group.method
        grid = group.grid
        states = StateCounts()
        for run in group.runs { states.add(run.state) }
        let done = group.succeeded
        seeds = done.map(\.seed).sorted()
        trainableParams = done.compactMap(\.trainableParams).max() ?? group.runs.compactMap(\.trainableParams).max()
        totalParams = done.compactMap(\.totalParams).max() ?? group.runs.compactMap(\.totalParams).max()
        seconds = Self.mean(done.compactMap(\.seconds))
        examplesPerSecond = Self.mean(done.compactMap(\.examplesPerSecond))
        let steps = done.compactMap { inputs.selected[$0.runID]?.step }
        self.steps = steps.min().map { $0 ... steps.max()! }
        fallbacks = done.filter { inputs.selected[$0.runID]?.fallback == true }.count
        values = Self.summaries(group, metrics: metrics, inputs: inputs)
        comparisons = [:]
        isBaseline = false
    }

    /// Per metric, each succeeded run's value at its selected step: recorded, or recomputed from its predictions.
    static func summaries(_ group: RunGroup, metrics: [String], inputs: ReportInputs) -> [String: MetricSummary] {
        var out: [String: MetricSummary] = [:]
        for metric in metrics {
            var summary = MetricSummary(perSeed: [:], recomputed: 0)
            for run in group.succeeded {
                if let value = inputs.values[run.runID]?[metric] {
                    summary.perSeed[run.seed] = value
                } else if let predictions = inputs.predictions[run.runID],
                          let value = RecomputedMetrics.compute(predictions)[metric] {
                    summary.perSeed[run.seed] = value
                    summary.recomputed += 1
                }
            }
            out[metric] = summary
        }
        return out
    }

    static func mean(_ values: [Double]) -> Double? { values.isEmpty ? nil : values.reduce(0, +) / Double(values.count) }
}

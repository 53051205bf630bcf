import PEFTMethods
import PEFTStore

/// Finds the baseline configuration of each experiment from `--baseline KEY=VALUE` conditions.
struct BaselineFinder {
    var conditions: [BaselineCondition]
    var groups: [RunGroup]

    /// - Throws: `ReportError.baselineNotFound` when no configuration of the report matches.
    init(_ conditions: [BaselineCondition], groups: [RunGroup]) throws {
        self.conditions = conditions
        self.groups = groups
        if !conditions.isEmpty && !groups.contains(where: matches) {
            throw ReportError.baselineNotFound(describe, experiments: Array(Set(groups.map(\.experiment))).sorted())
        }
    }

    private var describe: String { conditions.map(\.description).joined(separator: " ") }

    /// Whether every condition holds for the group's config (numbers compare by value: `0.1` = `0.10`).
    func matches(_ group: RunGroup) -> Bool {
        conditions.allSatisfy { condition in
            guard let value = group.config[path: condition.key] else { return false }
            if let number = value.doubleValue, let wanted = Double(condition.value) { return number == wanted }
            return value.description == condition.value
        }
    }

    /// The experiment's own matching configuration; else the one matching configuration of another experiment on
    /// the same dataset and task; nil when there is none (that table has no significance columns).
    /// - Throws: `ReportError.baselineAmbiguous` when several configurations of one experiment match.
    func baseline(for experiment: String) throws -> RunGroup? {
        guard !conditions.isEmpty else { return nil }
        let own = groups.filter { $0.experiment == experiment && matches($0) }
        if own.count > 1 {
            throw ReportError.baselineAmbiguous(describe, experiment: experiment,
                                                matches: own.map { GridLabel.label(method: $0.method, grid: $0.grid) })
        }
        if let only = own.first { return only }
        guard let mine = groups.first(where: { $0.experiment == experiment }) else { return nil }
        let dataset = mine.config[path: "dataset"], task = mine.task
        let others = groups.filter { matches($0) && $0.config[path: "dataset"] == dataset && $0.task == task }
        return others.count == 1 ? others[0] : nil
    }
}

extension BaselineComparison {
    /// Per metric: the paired t-test over shared seeds, the paired bootstrap over test examples of the
    /// seed-averaged difference (metrics recomputable from stored predictions), McNemar per seed for accuracy.
    static func all(candidate: RunGroup, values: [String: MetricSummary], baseline: RunGroup,
                    baselineValues: [String: MetricSummary], metrics: [String], inputs: ReportInputs,
                    bootstrap: PairedBootstrap) -> [String: BaselineComparison] {
        var out: [String: BaselineComparison] = [:]
        for metric in metrics {
            guard let mine = values[metric], let theirs = baselineValues[metric] else { continue }
            let seeds = Set(mine.perSeed.keys).intersection(theirs.perSeed.keys).sorted()
            out[metric] = BaselineComparison(tTest: PairedTTest(candidate: seeds.map { mine.perSeed[$0]! },
                                                                baseline: seeds.map { theirs.perSeed[$0]! }),
                                             bootstrap: nil, mcnemar: [:])
        }
        let pairs = predictionPairs(candidate: candidate, baseline: baseline, inputs: inputs)
        guard let first = pairs.first?.1.candidate else { return out }
        let recomputable = metrics.filter { RecomputedMetrics.compute(first, indices: [0])[$0] != nil }
        if !recomputable.isEmpty {
            let intervals = bootstrap.intervals(count: first.count) { indices in
                var differences = [Double](repeating: 0, count: recomputable.count)
                for (_, pair) in pairs {
                    let a = RecomputedMetrics.compute(pair.candidate, indices: indices)
                    let b = RecomputedMetrics.compute(pair.baseline, indices: indices)
                    for (k, metric) in recomputable.enumerated() { differences[k] += (a[metric]! - b[metric]!) / Double(pairs.count) }
                }
                return differences
            }
            for (metric, interval) in zip(recomputable, intervals) {
                out[metric, default: BaselineComparison(tTest: nil, bootstrap: nil, mcnemar: [:])].bootstrap =
                    BootstrapInterval(observed: interval.observed, low: interval.low, high: interval.high,
                                      pairs: pairs.count, examples: first.count)
            }
        }
        if metrics.contains("accuracy") {
            for (seed, pair) in pairs {
                guard case .classes(let p, let t, _) = pair.candidate.values,
                      case .classes(let q, let u, _) = pair.baseline.values else { continue }
                out["accuracy"]?.mcnemar[seed] = McNemar(candidateCorrect: zip(p, t).map { $0 == $1 },
                                                         baselineCorrect: zip(q, u).map { $0 == $1 })
            }
        }
        return out
    }

    /// Seeds both groups finished with stored predictions of the same examples (same ids, or the same count when
    /// ids were not stored) and the same kind, by seed.
    static func predictionPairs(candidate: RunGroup, baseline: RunGroup, inputs: ReportInputs)
        -> [(Int, (candidate: StoredPredictions, baseline: StoredPredictions))] {
        let theirs = Dictionary(baseline.succeeded.map { ($0.seed, $0.runID) }, uniquingKeysWith: { a, _ in a })
        return candidate.succeeded.sorted { $0.seed < $1.seed }.compactMap { run in
            guard let other = theirs[run.seed], let a = inputs.predictions[run.runID], let b = inputs.predictions[other],
                  a.kind == b.kind, a.count == b.count, a.count > 0, a.exampleIDs == b.exampleIDs else { return nil }
            return (run.seed, (a, b))
        }
    }
}

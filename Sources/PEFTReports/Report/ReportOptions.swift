/// Which checkpoint's metrics a report reads for each run.
public enum ModelSelection: String, Sendable, CaseIterable, Codable {
    /// The step of the run's best-validation checkpoint (its target metric on the val split).
    case bestVal = "best-val"
    /// The run's last step.
    case last

    /// How the caption states it.
    public var caption: String {
        switch self {
        case .bestVal: return "metric at each run's best-validation checkpoint"
        case .last: return "metric at each run's last step"
        }
    }
}

/// One `--baseline KEY=VALUE` condition: the run config's value at a dotted path (`method.name`, `train.lr`).
public struct BaselineCondition: Sendable, Equatable, CustomStringConvertible {
    public var key: String
    public var value: String

    public init(key: String, value: String) {
        self.key = key
        self.value = value
    }

    /// Parses `KEY=VALUE`.
    /// - Throws: `ReportError.badBaseline` when there is no `=` or either side is empty.
    public init(parsing text: String) throws {
        guard let equals = text.firstIndex(of: "="), equals != text.startIndex, text.index(after: equals) != text.endIndex else {
            throw ReportError.badBaseline(text)
        }
        self.init(key: String(text[..<equals]), value: String(text[text.index(after: equals)...]))
    }

    public var description: String { "\(key)=\(value)" }
}

/// What `peftlab report` compares and how.
public struct ReportOptions: Sendable {
    /// Experiments in the report (all, in the order they were first queued, when empty).
    public var experiments: [String] = []
    /// Metric columns; empty = the target metric and the task's usual ones.
    public var metrics: [String] = []
    /// The split the metrics are read on ('test' by default; 'val' also works).
    public var split = "test"
    public var selection = ModelSelection.bestVal
    /// Conditions naming the baseline configuration (all must hold); none = no significance columns.
    public var baseline: [BaselineCondition] = []
    /// Resamples, seed and coverage of the paired bootstrap over test examples.
    public var bootstrap = PairedBootstrap()

    public init(experiments: [String] = [], metrics: [String] = [], split: String = "test", selection: ModelSelection = .bestVal,
                baseline: [BaselineCondition] = [], bootstrap: PairedBootstrap = PairedBootstrap()) {
        self.experiments = experiments
        self.metrics = metrics
        self.split = split
        self.selection = selection
        self.baseline = baseline
        self.bootstrap = bootstrap
    }
}

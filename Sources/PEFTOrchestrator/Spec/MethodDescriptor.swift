/// The kind of task a run trains for; decides the loss, the metrics and the default target metric.
public enum TaskKind: String, Sendable, CaseIterable {
    case classification, regression, retrieval

    /// Metrics runs of this task record on val/test (what `target_metric` may name).
    public var metricNames: [String] {
        switch self {
        case .classification: return ["loss"] + ClassificationMetrics.names
        case .regression: return ["loss"] + RegressionMetrics.names
        case .retrieval: return ["loss", "r@1", "r@5", "r@10", "rsum"]
        }
    }

    /// The validation metric that picks the best checkpoint, and whether larger is better.
    public var defaultTarget: (name: String, higherIsBetter: Bool) {
        switch self {
        case .classification: return ("accuracy", true)
        case .regression: return ("mae", false)
        case .retrieval: return ("r@1", true)
        }
    }
}

/// A trainable method as specs name it: its hyper-parameters (for validation and defaults) and how to build
/// a trainer for one run.
public struct MethodDescriptor: Sendable {
    public var name: String
    public var summary: String
    public var tasks: Set<TaskKind>
    public var parameters: [ParameterSpec]
    /// Builds the trainer for one run; the orchestrator then drives, checkpoints and resumes it.
    public var makeTrainer: @Sendable (RunConfig, TrainingContext) throws -> any Trainer

    public init(name: String, summary: String, tasks: Set<TaskKind>, parameters: [ParameterSpec],
                makeTrainer: @escaping @Sendable (RunConfig, TrainingContext) throws -> any Trainer) {
        self.name = name
        self.summary = summary
        self.tasks = tasks
        self.parameters = parameters
        self.makeTrainer = makeTrainer
    }
}

/// The methods specs may name. `standard` holds every method this build can train.
public struct MethodRegistry: Sendable {
    public private(set) var methods: [String: MethodDescriptor] = [:]

    public init(_ methods: [MethodDescriptor] = []) {
        for method in methods { register(method) }
    }

    public mutating func register(_ method: MethodDescriptor) { methods[method.name] = method }

    public subscript(name: String) -> MethodDescriptor? { methods[name] }

    public var names: [String] { methods.keys.sorted() }

    /// Every method this build can train.
    public static let standard = MethodRegistry([LinearProbe.descriptor])
}

/// Typed access to a run's canonical config (`runs.config_json`).
public struct RunConfig: Sendable, Equatable {
    public var value: ConfigValue

    public init(_ value: ConfigValue) { self.value = value }

    /// Parses `runs.config_json`.
    public init(json: String) throws { value = try ConfigValue.parseJSON(json) }

    public var experiment: String { value[path: "experiment"]?.stringValue ?? "" }
    public var dataset: String { value[path: "dataset"]?.stringValue ?? "" }
    public var backbone: String? { value[path: "backbone"]?.stringValue }
    public var task: TaskKind { value[path: "task"]?.stringValue.flatMap(TaskKind.init) ?? .classification }
    public var method: String { value[path: "method.name"]?.stringValue ?? "" }
    public var seed: Int { value[path: "seed"]?.intValue ?? 0 }
    public var targetMetric: String { value[path: "target_metric"]?.stringValue ?? task.defaultTarget.name }
    /// Whether a larger target metric is better (losses and errors are minimised).
    public var targetHigherIsBetter: Bool {
        !["loss", "mae", "mse"].contains(targetMetric)
    }

    /// A `method.<name>` setting.
    public func method(_ name: String) -> ConfigValue? { value[path: "method.\(name)"] }
    /// A `train.<name>` setting.
    public func train(_ name: String) -> ConfigValue? { value[path: "train.\(name)"] }

    public var epochs: Int { train("epochs")?.intValue ?? 3 }
    public var batchSize: Int { train("batch_size")?.intValue ?? 32 }
    public var lr: Double { train("lr")?.doubleValue ?? 1e-3 }
    public var schedule: String { train("schedule")?.stringValue ?? "cosine" }
    public var warmupSteps: Int { train("warmup_steps")?.intValue ?? 0 }
    public var optimizer: String { train("optimizer")?.stringValue ?? "adamw" }
    public var weightDecay: Double { train("weight_decay")?.doubleValue ?? 0.01 }
    public var momentum: Double { train("momentum")?.doubleValue ?? 0.9 }
    public var gradClip: Double { train("grad_clip")?.doubleValue ?? 1 }
    public var evalEvery: Int { train("eval_every")?.intValue ?? 0 }
    public var checkpointEvery: Int { train("checkpoint_every")?.intValue ?? 50 }
    public var keepLast: Int { train("keep_last")?.intValue ?? 2 }
}

import PEFTMethods

/// A run's canonical config (`runs.config_json`), parsed once into typed sections.
public struct RunConfig: Sendable, Equatable {
    public var value: ConfigValue
    /// The `train:` section.
    public let train: TrainSettings

    public init(_ value: ConfigValue) {
        self.value = value
        train = TrainSettings(value[path: "train"])
    }

    /// Parses `runs.config_json`.
    public init(json: String) throws { self.init(try ConfigValue.parseJSON(json)) }

    public var experiment: String { value[path: "experiment"]?.stringValue ?? "" }
    public var dataset: String { value[path: "dataset"]?.stringValue ?? "" }
    public var backbone: String? { value[path: "backbone"]?.stringValue }
    public var task: TaskKind { value[path: "task"]?.stringValue.flatMap(TaskKind.init) ?? .classification }
    public var method: String { value[path: "method.name"]?.stringValue ?? "" }
    public var seed: Int { value[path: "seed"]?.intValue ?? 0 }
    public var targetMetric: String { value[path: "target_metric"]?.stringValue ?? task.defaultTarget }
    /// Whether a larger target metric is better.
    public var targetHigherIsBetter: Bool { TaskKind.higherIsBetter(targetMetric) }
    /// The `head:` section.
    public var head: Settings { Settings(value[path: "head"], parameters: TaskKind.headParameters) }
    /// The head's fusion of the towers' features.
    public var fusion: Fusion { Fusion(rawValue: head.string("fusion")) ?? .concat }

    /// The `method:` section read against the method's parameter specs.
    public func methodSettings(_ descriptor: MethodDescriptor) -> Settings { descriptor.settings(value[path: "method"]) }

    public static func == (a: RunConfig, b: RunConfig) -> Bool { a.value == b.value }
}

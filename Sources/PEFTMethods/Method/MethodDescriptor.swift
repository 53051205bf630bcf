import PEFTCLIP

/// A method as specs name it (HF PEFT's `register_peft_method`): its hyper-parameters (for validation and
/// defaults), the tasks it supports, its parameter-count formula and how to build it for one run.
public struct MethodDescriptor: Sendable {
    /// The name specs use (`method: {name: lora}`).
    public var name: String
    /// One line for `peftlab methods`.
    public var summary: String
    /// What is trained and where (the README's methods table).
    public var trains: String
    public var tasks: Set<TaskKind>
    public var parameters: [ParameterSpec]
    /// Problems of the settings on a backbone of this shape (layer ranges past the tower), by parameter name.
    public var check: @Sendable (Settings, CLIPConfig) -> [(parameter: String, message: String)]
    /// The trainable parameters the method adds or unfreezes on a backbone of this shape, excluding the head
    /// (what HF PEFT's `print_trainable_parameters` reports on the bare `CLIPModel`).
    public var parameterCount: @Sendable (Settings, CLIPConfig) -> Int
    /// Builds the method for one run.
    public var make: @Sendable (Settings) throws -> any PEFTMethod
    /// Whether `parameterCount` counts tensors of the backbone itself (full fine-tuning, BitFit train copies of
    /// them) rather than tensors the method adds: a run's total then counts them once.
    public var trainsBaseTensors: Bool

    public init(name: String, summary: String, trains: String, tasks: Set<TaskKind>, parameters: [ParameterSpec],
                check: @escaping @Sendable (Settings, CLIPConfig) -> [(parameter: String, message: String)] = MethodDescriptor.checkLayers,
                parameterCount: @escaping @Sendable (Settings, CLIPConfig) -> Int, trainsBaseTensors: Bool = false,
                make: @escaping @Sendable (Settings) throws -> any PEFTMethod) {
        self.name = name
        self.summary = summary
        self.trains = trains
        self.tasks = tasks
        self.parameters = parameters
        self.check = check
        self.parameterCount = parameterCount
        self.trainsBaseTensors = trainsBaseTensors
        self.make = make
    }

    /// The settings of `method:` in a run config.
    public func settings(_ values: ConfigValue?) -> Settings { Settings(values, parameters: parameters) }

    /// The default check: a `layers:` range must fit every selected tower.
    public static let checkLayers: @Sendable (Settings, CLIPConfig) -> [(parameter: String, message: String)] = { settings, config in
        guard settings.parameters.contains(where: { $0.name == "layers" }) else { return [] }
        let towers = settings.parameters.contains(where: { $0.name == "towers" }) ? settings.towers().kinds : TowerKind.allCases
        return towers.compactMap { tower in
            settings.layers().check(layers: config.layers(tower)).map { ("layers", "\($0) in the \(tower.rawValue) tower") }
        }
    }
}

/// The methods specs may name.
public struct MethodRegistry: Sendable {
    public private(set) var methods: [String: MethodDescriptor] = [:]

    public init(_ methods: [MethodDescriptor] = []) {
        for method in methods { register(method) }
    }

    public mutating func register(_ method: MethodDescriptor) { methods[method.name] = method }

    public subscript(name: String) -> MethodDescriptor? { methods[name] }

    public var names: [String] { methods.keys.sorted() }

    /// Every method this build can train.
    public static let standard = MethodRegistry([
        LinearProbe.descriptor, FullFineTuning.descriptor, BitFit.descriptor, LoRA.descriptor, IA3.descriptor,
        BottleneckAdapters.houlsby, BottleneckAdapters.pfeiffer, CLIPAdapter.descriptor, CoOp.descriptor,
        VPT.descriptor, MaPLe.descriptor, PrefixTuning.descriptor, CLIPPretraining.descriptor,
        AdSCLIP.descriptor, DialCLIP.descriptor, MSEAdapter.descriptor,
    ])
}

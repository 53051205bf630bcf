import PEFTCLIP

extension ParameterSpec.Kind: CustomStringConvertible {
    /// What values are allowed, as `peftlab methods NAME` shows it: `integer 1…4096`, `one of shallow, deep`.
    public var description: String {
        switch self {
        case let .int(min, max): return "integer \(min)…\(max)"
        case let .number(min, exclusive, max): return "number \(exclusive ? ">" : "≥") \(ConfigValue.double(min).description), ≤ \(ConfigValue.double(max).description)"
        case .bool: return "true or false"
        case .choice(let choices): return choices.count == 1 ? choices[0] : "one of \(choices.joined(separator: ", "))"
        case .choiceList(let choices): return "list of \(choices.joined(separator: ", "))"
        case .string: return "text"
        case .layerRange: return "layers: all, upper, lower, N or N-M (1-based)"
        }
    }
}

extension MethodDescriptor {
    /// `name=default` for every parameter, in declaration order (`r=8, alpha=8.0, …`).
    public var defaultsSummary: String {
        parameters.map { "\($0.name)=\(Self.flow($0.defaultValue))" }.joined(separator: ", ")
    }

    /// The task an example spec uses: classification when supported, else the first the method supports.
    public var exampleTask: TaskKind {
        tasks.contains(.classification) ? .classification : TaskKind.allCases.first(where: tasks.contains) ?? .classification
    }

    /// A complete experiment spec training this method with its defaults written out (so a reader sees every
    /// setting), over `backbone` on `dataset` (default: the built-in `dialog` for retrieval-only methods, else
    /// `sarcasm`), three seeds.
    public func exampleSpec(backbone: String = "peftlab-quickstart/backbone", dataset: String? = nil) -> String {
        let dataset = dataset ?? (exampleTask == .retrieval ? "dialog" : "sarcasm")
        let settings = (["name: \(name)"] + parameters.map { "\($0.name): \(Self.flow($0.defaultValue))" }).joined(separator: ", ")
        return """
            name: \(name)-\(dataset)
            dataset: \(dataset)
            backbone: \(backbone)
            task: \(exampleTask.rawValue)
            method: {\(settings)}
            train: {epochs: 10, batch_size: 32}
            seeds: [1, 2, 3]
            """
    }

    /// A value in YAML flow style (`[q, v]`, `0.2`, `all`).
    public static func flow(_ value: ConfigValue) -> String {
        switch value {
        case .list(let items): return "[" + items.map(flow).joined(separator: ", ") + "]"
        case .string(let s): return s
        default: return value.description
        }
    }

    /// The method's trainable parameters with its defaults on a backbone of `config` (ViT-B/32: `CLIPConfig()`).
    public func defaultParameterCount(_ config: CLIPConfig = CLIPConfig()) -> Int { parameterCount(settings(nil), config) }
}

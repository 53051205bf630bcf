/// One hyper-parameter a spec may set: its type, allowed values, default and help text.
public struct ParameterSpec: Sendable {
    /// What values are allowed.
    public enum Kind: Sendable {
        case int(min: Int)
        /// A real number ≥ min (> min when `exclusive`).
        case number(min: Double, exclusive: Bool)
        case bool
        case choice([String])
        /// A list of names, each one of `choices`.
        case choiceList([String])
        case string
    }

    public var name: String
    public var kind: Kind
    public var defaultValue: ConfigValue
    public var help: String

    public init(_ name: String, _ kind: Kind, default defaultValue: ConfigValue, help: String) {
        self.name = name
        self.kind = kind
        self.defaultValue = defaultValue
        self.help = help
    }

    /// The value in canonical form (integers given for numbers become doubles), or a message saying what is wrong.
    public func check(_ value: ConfigValue) -> Result<ConfigValue, Problem> {
        switch kind {
        case .int(let min):
            guard let i = value.intValue else { return .failure(Problem("expected an integer, got \(Self.show(value))")) }
            return i >= min ? .success(value) : .failure(Problem("must be ≥ \(min) (got \(i))"))
        case .number(let min, let exclusive):
            guard let d = value.doubleValue, d.isFinite else {
                return .failure(Problem("expected a finite number, got \(Self.show(value))"))
            }
            let ok = exclusive ? d > min : d >= min
            return ok ? .success(.double(d)) : .failure(Problem("must be \(exclusive ? ">" : "≥") \(min) (got \(d))"))
        case .bool:
            return value.boolValue != nil ? .success(value) : .failure(Problem("expected true or false, got \(Self.show(value))"))
        case .choice(let choices):
            guard let s = value.stringValue, choices.contains(s) else {
                return .failure(Problem("expected one of \(choices.joined(separator: ", ")), got \(Self.show(value))"))
            }
            return .success(value)
        case .choiceList(let choices):
            guard case .list(let items) = value, !items.isEmpty else {
                return .failure(Problem("expected a non-empty list of \(choices.joined(separator: ", ")), got \(Self.show(value))"))
            }
            for item in items where !(item.stringValue.map(choices.contains) ?? false) {
                return .failure(Problem("expected each of \(choices.joined(separator: ", ")), got \(Self.show(item))"))
            }
            return .success(value)
        case .string:
            return value.stringValue != nil ? .success(value) : .failure(Problem("expected a string, got \(Self.show(value))"))
        }
    }

    /// Why a value was rejected.
    public struct Problem: Error, Sendable {
        public var message: String
        init(_ message: String) { self.message = message }
    }

    private static func show(_ value: ConfigValue) -> String {
        switch value {
        case .string(let s): return "'\(s)'"
        case .list, .map: return value.canonicalJSON
        default: return value.description
        }
    }
}

/// The training settings every run has (`train:` in a spec).
public enum TrainSettings {
    public static let parameters: [ParameterSpec] = [
        ParameterSpec("epochs", .int(min: 1), default: .int(3), help: "Passes over the training split."),
        ParameterSpec("batch_size", .int(min: 1), default: .int(32), help: "Examples per optimisation step."),
        ParameterSpec("lr", .number(min: 0, exclusive: true), default: .double(1e-3), help: "Peak learning rate."),
        ParameterSpec("schedule", .choice(["constant", "linear", "cosine"]), default: .string("cosine"),
                      help: "Decay after warm-up."),
        ParameterSpec("warmup_steps", .int(min: 0), default: .int(0), help: "Linear warm-up steps."),
        ParameterSpec("optimizer", .choice(["adamw", "sgd"]), default: .string("adamw"), help: "Optimiser."),
        ParameterSpec("weight_decay", .number(min: 0, exclusive: false), default: .double(0.01),
                      help: "Decoupled weight decay (AdamW) or L2 (SGD)."),
        ParameterSpec("momentum", .number(min: 0, exclusive: false), default: .double(0.9), help: "SGD momentum."),
        ParameterSpec("grad_clip", .number(min: 0, exclusive: false), default: .double(1.0),
                      help: "Clip the global gradient norm to this (0 = off)."),
        ParameterSpec("eval_every", .int(min: 0), default: .int(0),
                      help: "Evaluate on the validation split every N steps (0 = at the end of each epoch)."),
        ParameterSpec("checkpoint_every", .int(min: 1), default: .int(50), help: "Checkpoint every N steps."),
        ParameterSpec("keep_last", .int(min: 1), default: .int(2), help: "Checkpoints kept besides the best one."),
        ParameterSpec("max_attempts", .int(min: 1), default: .int(3), help: "Claims before a run is marked failed."),
    ]
}

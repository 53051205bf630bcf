import PEFTData
import PEFTMethods
import PEFTTensor

/// The training settings every run has (`train:` in a spec), parsed once into a typed value. The parameter specs
/// below hold the only defaults.
public struct TrainSettings: Sendable, Equatable {
    /// The optimiser.
    public enum OptimizerKind: String, Sendable { case adamw, sgd }
    /// How cached frozen-prefix states are stored, or whether the cache is used at all.
    public enum CacheMode: String, Sendable, CaseIterable { case float16, float32, none }

    public static let parameters: [ParameterSpec] = [
        ParameterSpec("epochs", .int(min: 1, max: 100_000), default: .int(3), help: "Passes over the training split."),
        ParameterSpec("batch_size", .int(min: 1, max: 65_536), default: .int(32), help: "Examples per optimisation step."),
        ParameterSpec("lr", .number(min: 0, exclusive: true, max: 100), default: .double(1e-3), help: "Peak learning rate."),
        ParameterSpec("schedule", .choice(["constant", "linear", "cosine"]), default: .string("cosine"),
                      help: "Decay after warm-up."),
        ParameterSpec("warmup_steps", .int(min: 0, max: 10_000_000), default: .int(0), help: "Linear warm-up steps."),
        ParameterSpec("optimizer", .choice(["adamw", "sgd"]), default: .string("adamw"), help: "Optimiser."),
        ParameterSpec("weight_decay", .number(min: 0, exclusive: false, max: 100), default: .double(0.01),
                      help: "Decoupled weight decay (AdamW) or L2 (SGD)."),
        ParameterSpec("momentum", .number(min: 0, exclusive: false, max: 1), default: .double(0.9), help: "SGD momentum."),
        ParameterSpec("grad_clip", .number(min: 0, exclusive: false, max: 1e6), default: .double(1.0),
                      help: "Clip the global gradient norm to this (0 = off)."),
        ParameterSpec("eval_every", .int(min: 0, max: 10_000_000), default: .int(0),
                      help: "Evaluate on the validation split every N steps (0 = at the end of each epoch)."),
        ParameterSpec("checkpoint_every", .int(min: 1, max: 10_000_000), default: .int(50), help: "Checkpoint every N steps."),
        ParameterSpec("keep_last", .int(min: 1, max: 1000), default: .int(2), help: "Checkpoints kept besides the best one."),
        ParameterSpec("max_attempts", .int(min: 1, max: 1000), default: .int(3),
                      help: "Attempts ending in an error the run raised before it is marked failed."),
        ParameterSpec("max_expiries", .int(min: 1, max: 100_000), default: .int(50),
                      help: "Lease expiries (worker killed, pre-empted or cut off) before the run is marked failed."),
        ParameterSpec("max_same_step", .int(min: 1, max: 100_000), default: .int(2),
                      help: "Workers dying at the same step this many times in a row fail the run (it crashes them)."),
        ParameterSpec("cache", .choice(CacheMode.allCases.map(\.rawValue)), default: .string("float16"),
                      help: "Frozen-prefix feature cache: float16 or float32 storage, or none (recompute the frozen layers every step)."),
    ]

    public var epochs: Int
    public var batchSize: Int
    public var lr: Double
    public var schedule: LRSchedule.Kind
    public var warmupSteps: Int
    public var optimizer: OptimizerKind
    public var weightDecay: Double
    public var momentum: Double
    public var gradClip: Double
    public var evalEvery: Int
    public var checkpointEvery: Int
    public var keepLast: Int
    public var maxAttempts: Int
    public var maxExpiries: Int
    public var maxSameStep: Int
    public var cache: CacheMode

    /// Reads the `train:` section of a canonical run config.
    public init(_ section: ConfigValue?) {
        let s = Settings(section, parameters: Self.parameters)
        epochs = s.int("epochs")
        batchSize = s.int("batch_size")
        lr = s.double("lr")
        schedule = LRSchedule.Kind(rawValue: s.string("schedule")) ?? .cosine
        warmupSteps = s.int("warmup_steps")
        optimizer = OptimizerKind(rawValue: s.string("optimizer")) ?? .adamw
        weightDecay = s.double("weight_decay")
        momentum = s.double("momentum")
        gradClip = s.double("grad_clip")
        evalEvery = s.int("eval_every")
        checkpointEvery = s.int("checkpoint_every")
        keepLast = s.int("keep_last")
        maxAttempts = s.int("max_attempts")
        maxExpiries = s.int("max_expiries")
        maxSameStep = s.int("max_same_step")
        cache = CacheMode(rawValue: s.string("cache")) ?? .float16
    }

    /// A fresh optimiser of the configured kind.
    public func makeOptimizer() -> any Optimizer {
        switch optimizer {
        case .adamw: return AdamW(weightDecay: weightDecay)
        case .sgd: return SGD(momentum: momentum, weightDecay: weightDecay)
        }
    }

    /// The learning-rate schedule over `totalSteps`.
    public func makeSchedule(totalSteps: Int) -> LRSchedule {
        LRSchedule(warmupSteps: warmupSteps, totalSteps: totalSteps, kind: schedule, baseLR: Float(lr))
    }

    /// The feature cache's storage type, nil when the cache is off.
    public var cacheDType: FeatureDType? {
        switch cache {
        case .float16: return .float16
        case .float32: return .float32
        case .none: return nil
        }
    }
}

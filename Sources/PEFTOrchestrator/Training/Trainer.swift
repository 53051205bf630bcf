import Foundation
import PEFTStore

/// A named Float32 tensor: how trainers hand their trainable parameters to checkpoints.
public struct NamedTensor: Sendable, Equatable {
    public var name: String
    public var shape: [Int]
    public var values: [Float]

    public init(name: String, shape: [Int], values: [Float]) {
        self.name = name
        self.shape = shape
        self.values = values
    }
}

/// Everything a trainer needs to continue bit-exactly from where it stopped.
public struct TrainerState: Sendable, Equatable {
    /// Optimisation steps completed.
    public var step: Int
    public var epoch: Int
    /// Batches consumed within `epoch` (data order is a function of seed and epoch only).
    public var cursor: Int
    /// Trainable parameters only.
    public var tensors: [NamedTensor]
    /// Optimizer state, JSON.
    public var optimizer: Data
    /// RNG state, JSON.
    public var rng: String

    public init(step: Int, epoch: Int, cursor: Int, tensors: [NamedTensor], optimizer: Data, rng: String) {
        self.step = step
        self.epoch = epoch
        self.cursor = cursor
        self.tensors = tensors
        self.optimizer = optimizer
        self.rng = rng
    }
}

/// Trains one run. The orchestrator drives it step by step, evaluates, checkpoints and resumes it; the
/// trainer owns the model, the data order and the optimiser.
///
/// Determinism contract: the same config and state give the same next step, bit for bit, on the same thread
/// layout — so a run killed and resumed any number of times ends with the parameters of one never interrupted.
public protocol Trainer: AnyObject {
    /// Optimisation steps the whole run takes.
    var totalSteps: Int { get }
    /// Steps per epoch (evaluation happens at epoch ends when `eval_every` is 0).
    var stepsPerEpoch: Int { get }
    /// Runs the next optimisation step and returns training metrics (at least `loss`).
    func trainStep() throws -> [String: Double]
    /// Metrics of the current parameters on a split (`val`, `test`).
    func evaluate(split: String) throws -> [String: Double]
    /// The state to checkpoint.
    func state() throws -> TrainerState
    /// Continues from a checkpointed state.
    func restore(_ state: TrainerState) throws
}

/// What a trainer may use besides its config.
public struct TrainingContext: @unchecked Sendable {
    /// The database holding datasets, images and the feature cache.
    public var store: Store
    /// Threads this run may use for its kernels and BLAS.
    public var threads: Int

    public init(store: Store, threads: Int) {
        self.store = store
        self.threads = threads
    }
}

/// A run's failure that retrying cannot fix (bad config, missing data); the run fails at once.
public struct PermanentRunError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

import PEFTCLIP
import PEFTTensor

/// Whether the model is training (dropout on) and the randomness of the current step. One per run, shared by the
/// run's modules: the loop sets it before each forward pass, so a step's dropout masks depend only on (seed, step).
public final class ForwardMode: @unchecked Sendable {
    /// True during training steps, false during evaluation and caching.
    public var training = false
    /// Dropout randomness of the current step.
    public var rng = RNG(seed: 0)

    public init() {}
}

/// What `apply` may use besides the method's own settings.
public struct MethodContext {
    /// Initialisation randomness (a stream of the run's seed that no other part of the run draws from).
    public var rng: RNG
    /// The run's training/eval switch and dropout randomness.
    public let mode: ForwardMode
    /// Widths of the stored example features the method reads (`ExampleReadingMethod.sequenceFeatures`), by name.
    public var featureWidths: [String: Int]

    public init(rng: RNG, mode: ForwardMode, featureWidths: [String: Int] = [:]) {
        self.rng = rng
        self.mode = mode
        self.featureWidths = featureWidths
    }
}

/// A PEFT method on one run's model (HF PEFT's tuner): it attaches its modules, says what it trains, and what
/// part of each tower it leaves untouched. The training loop, the optimiser, the data and the task head are not
/// its business.
///
/// The model passed to `apply` belongs to one run: its frozen base tensors may be shared with other runs of the
/// process, but its slots (linears, adapter lists, hooks) are the run's own. A method never unfreezes a shared
/// base tensor in place; it replaces it with its own copy first (`CLIPModel.ownCopy`).
public protocol PEFTMethod: AnyObject {
    /// Attaches the method's modules to `model` and returns the parameters it trains, by model path.
    func apply(to model: CLIPModel, context: inout MethodContext) throws -> [(String, Tensor)]
    /// After `apply`: the first part of `tower` whose computation the method changes.
    func reach(_ tower: TowerKind, in model: CLIPModel) -> TowerReach
    /// The towers' features for a batch (default: each tower run alone, `StandardEncoding`).
    func encode(_ input: EncoderInput, model: CLIPModel) -> TowerFeatures
    /// The example feature the head reads instead of CLIP towers (e.g. `audio`), or nil.
    var inputFeature: String? { get }
    /// Whether the head's input is standardised with training-split statistics (linear probe on frozen features).
    var standardizesFeatures: Bool { get }
    /// Folds the method into the base weights so inference runs the plain model; false when it cannot.
    func merge(into model: CLIPModel) -> Bool
    /// The method in HF PEFT's adapter format, or nil when PEFT has no equivalent.
    func peftAdapter(model: CLIPModel) -> PEFTAdapter?
}

public extension PEFTMethod {
    func encode(_ input: EncoderInput, model: CLIPModel) -> TowerFeatures { StandardEncoding.encode(input, model: model) }
    var inputFeature: String? { nil }
    var standardizesFeatures: Bool { false }
    func merge(into model: CLIPModel) -> Bool { false }
    func peftAdapter(model: CLIPModel) -> PEFTAdapter? { nil }
}

/// The reach of a method that modifies `layers` of a tower (and nothing before them): the lowest of them, or
/// `.frozen` when it modifies none.
public func reach(modifying layers: [Int]) -> TowerReach {
    layers.min().map { .fromLayer($0) } ?? .frozen
}

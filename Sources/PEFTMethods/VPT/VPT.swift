import Foundation
import PEFTCLIP
import PEFTTensor

/// Visual prompt tuning (Jia et al. 2022): `n_prompts` learned tokens after the class token of the vision tower,
/// a `DeepPrompts` hook. `depth: shallow` inserts one set before the first layer of `layers` and lets it travel
/// through the rest; `deep` (the paper's VPT-deep) gives every layer of `layers` fresh tokens, replacing the
/// previous layer's. The prompts are removed before pooling, which reads the class token (position 0) as always.
///
/// Placement: the prompts join the residual stream entering the layer, i.e. after CLIP's `pre_layrnorm`. VPT's ViT
/// has no pre-norm and inserts its prompts straight into the stream after the embeddings; CLIP's `pre_layrnorm`
/// belongs to its embedding stage, so after it is the same place. (The CoOp/MaPLe code base's CLIP variant inserts
/// before `ln_pre`; there the norm rescales the prompts.) No position embeddings, as in VPT. Initialisation:
/// VPT's Xavier-uniform bound √(6 / (3·p² + d)) for patch size p and width d. Vision only (`towers: vision`).
///
/// `n_prompts` defaults to 8: the paper tunes the length per task (1–200); 8 adds 16 % to ViT-B/32's 50 tokens.
/// Parameters: n_prompts × width × (1 shallow, or the layers of the range deep): 6 144 / 73 728 at ViT-B/32.
public final class VPT: PEFTMethod {
    public enum Depth: String, Sendable, CaseIterable { case shallow, deep }

    public static let hookName = "vpt"

    public static let descriptor = MethodDescriptor(
        name: "vpt",
        summary: "Visual prompt tuning: learned tokens after the class token, at the input (shallow) or at every layer (deep).",
        trains: "n_prompts × vision width tokens, once (shallow) or per layer (deep)",
        tasks: Set(TaskKind.allCases),
        parameters: [
            ParameterSpec("depth", .choice(Depth.allCases.map(\.rawValue)), default: .string(Depth.deep.rawValue),
                          help: "shallow: one set of prompts before the first layer of `layers`; deep: fresh prompts at every layer of `layers`."),
            ParameterSpec("n_prompts", .int(min: 1, max: 1_000), default: .int(8), help: "Prompt tokens per layer."),
            ParameterSpec("layers", .layerRange, default: .string("all"),
                          help: "Layers that get prompts (shallow: the first of them): all, upper, lower, N or N-M (1-based)."),
            Towers.parameter(default: .vision, allowed: [.vision]),
        ],
        parameterCount: { settings, config in
            let layers = promptedLayers(settings, layers: config.vision.numHiddenLayers).count
            return settings.int("n_prompts") * config.vision.hiddenSize * layers
        },
        make: { VPT($0) })

    /// 0-based layers before which fresh prompts enter.
    static func promptedLayers(_ settings: Settings, layers: Int) -> [Int] {
        let indices = settings.layers().indices(layers: layers)
        return Depth(rawValue: settings.string("depth")) == .shallow ? Array(indices.prefix(1)) : indices
    }

    public let settings: Settings
    private var prompted: [Int] = []

    public init(_ settings: Settings) { self.settings = settings }

    public func apply(to model: CLIPModel, context: inout MethodContext) throws -> [(String, Tensor)] {
        let vision = model.config.vision
        prompted = Self.promptedLayers(settings, layers: vision.numHiddenLayers)
        let bound = Float((6 / Double(vision.numChannels * vision.patchSize * vision.patchSize + vision.hiddenSize)).squareRoot())
        let hook = DeepPrompts(hookName: Self.hookName, layers: prompted, count: settings.int("n_prompts"), width: vision.hiddenSize) {
            Tensor.uniform($0, low: -bound, high: bound, rng: &context.rng, requiresGrad: true)
        }
        model.vision.hooks.append(hook)
        return prefixed("\(TowerKind.vision.modelPrefix).hooks.\(Self.hookName)", hook.namedParameters())
    }

    public func reach(_ tower: TowerKind, in model: CLIPModel) -> TowerReach {
        tower == .vision ? PEFTMethods.reach(modifying: prompted) : .frozen
    }
}

import PEFTCLIP
import PEFTTensor

/// Deep prompt tuning on the text side, P-tuning v2 style (Liu et al. 2022): `n_prompts` learned tokens after the
/// start token at every layer of `layers` — inserted before the first layer of the range, replaced by fresh ones
/// before each later layer, removed before the final norm (a `DeepPrompts` hook; end-of-text pooling follows the
/// real tokens). Under the causal mask every real token attends to the prompts.
///
/// P-tuning v2 and prefix tuning prepend learned keys and values per layer; replacing prompt *tokens* at each layer
/// is the same family, with each layer's keys and values the frozen projections of its tokens (a reparametrised
/// prefix, as VPT-deep does for vision). The tokens enter after the input stage, so they use no text positions.
/// Initialisation N(0, 0.02²), the scale of CLIP's token embeddings.
///
/// Parameters: n_prompts × text width × layers: 8 × 512 × 12 = 49 152 at ViT-B/32.
public final class PrefixTuning: PEFTMethod {
    public static let hookName = "prefix"

    public static let descriptor = MethodDescriptor(
        name: "prefix",
        summary: "Deep prompt tuning of the text tower (P-tuning v2 style): fresh learned tokens after the start token at every layer.",
        trains: "n_prompts × text width tokens per layer",
        tasks: Set(TaskKind.allCases),
        parameters: [
            ParameterSpec("n_prompts", .int(min: 1, max: 1_000), default: .int(8), help: "Prompt tokens per layer."),
            ParameterSpec("layers", .layerRange, default: .string("all"),
                          help: "Layers that get fresh prompts: all, upper, lower, N or N-M (1-based)."),
            Towers.parameter(default: .text, allowed: [.text]),
        ],
        parameterCount: { settings, config in
            settings.int("n_prompts") * config.text.hiddenSize * settings.layers().indices(layers: config.text.numHiddenLayers).count
        },
        make: { PrefixTuning($0) })

    public let settings: Settings
    private var prompted: [Int] = []

    public init(_ settings: Settings) { self.settings = settings }

    public func apply(to model: CLIPModel, context: inout MethodContext) throws -> [(String, Tensor)] {
        let text = model.config.text
        prompted = settings.layers().indices(layers: text.numHiddenLayers)
        let hook = DeepPrompts(hookName: Self.hookName, layers: prompted, count: settings.int("n_prompts"), width: text.hiddenSize) {
            Tensor.randn($0, std: 0.02, rng: &context.rng, requiresGrad: true)
        }
        model.text.hooks.append(hook)
        return prefixed("\(TowerKind.text.modelPrefix).hooks.\(Self.hookName)", hook.namedParameters())
    }

    public func reach(_ tower: TowerKind, in model: CLIPModel) -> TowerReach {
        tower == .text ? PEFTMethods.reach(modifying: prompted) : .frozen
    }
}

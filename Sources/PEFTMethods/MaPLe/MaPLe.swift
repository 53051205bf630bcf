import PEFTCLIP
import PEFTTensor

/// MaPLe (Khattak et al. 2023, "Multi-modal Prompt Learning"): `n_ctx` text prompts in each of the first J layers
/// (`depth`, clamped to both towers), each layer's text prompts mapped to that layer's vision prompts by a learned
/// linear coupling (text width → vision width, with bias). Both towers run in lockstep in `encode`: before layer 0
/// the text prompts enter the input after the start token (`PromptedText`, CoOp's place, with positions) and the
/// coupled vision prompts are appended after the patch tokens, before `pre_layrnorm` (the authors' code); before
/// each layer 1 ≤ l < J both are replaced by that layer's fresh prompts (`TowerState.replaceTokens`); after the
/// last layer they are removed, so pooling reads the real end-of-text token and the class token.
///
/// Parameters, as the authors' `prompt_learner`: `ctx` `[n, dₜ]`, `proj` (dₜ → dᵥ), and for l = 1…J−1
/// `compound_prompts_text.{l-1}` `[n, dₜ]` and `compound_prompt_projections.{l-1}` (dₜ → dᵥ): J·(n·dₜ + dₜ·dᵥ + dᵥ),
/// 3 555 072 at ViT-B/32 with n = 2, J = 9 (the paper's 3.55 M). Prompts init N(0, 0.02²), couplings torch's
/// default linear init; random context init (the paper's "a photo of a" needs the tokenizer).
public final class MaPLe: PEFTMethod {
    public static let moduleName = "prompt_learner"

    public static let descriptor = MethodDescriptor(
        name: "maple",
        summary: "MaPLe: text prompts in the first J layers, each layer's mapped to vision prompts by a learned linear coupling.",
        trains: "J × (n_ctx text prompts + a text→vision linear)",
        tasks: Set(TaskKind.allCases),
        parameters: [
            ParameterSpec("n_ctx", .int(min: 1, max: 1_000), default: .int(2), help: "Prompt tokens per layer and tower."),
            ParameterSpec("depth", .int(min: 1, max: 1_000), default: .int(9),
                          help: "J: prompts in the first J layers of both towers (clamped to the shallower tower)."),
        ],
        check: { settings, config in
            let room = config.text.maxPositionEmbeddings - 2
            return settings.int("n_ctx") <= room ? [] : [("n_ctx", "\(settings.int("n_ctx")) prompts leave no room for the start "
                                                            + "and end-of-text tokens in the backbone's \(config.text.maxPositionEmbeddings) text positions (at most \(room))")]
        },
        parameterCount: { settings, config in
            let (n, dt, dv) = (settings.int("n_ctx"), config.text.hiddenSize, config.vision.hiddenSize)
            return depth(settings, config) * (n * dt + dt * dv + dv)
        },
        make: { MaPLe(contextLength: $0.int("n_ctx"), depth: $0.int("depth")) })

    /// J on a backbone of `config`.
    static func depth(_ settings: Settings, _ config: CLIPConfig) -> Int {
        Swift.min(settings.int("depth"), config.text.numHiddenLayers, config.vision.numHiddenLayers)
    }

    public let contextLength: Int
    public let requestedDepth: Int
    public private(set) var learner: PromptLearner?

    public init(contextLength: Int, depth: Int) {
        self.contextLength = contextLength
        requestedDepth = depth
    }

    public func apply(to model: CLIPModel, context: inout MethodContext) throws -> [(String, Tensor)] {
        let config = model.config
        let depth = Swift.min(requestedDepth, config.text.numHiddenLayers, config.vision.numHiddenLayers)
        let learner = PromptLearner(depth: depth, count: contextLength, textWidth: config.text.hiddenSize,
                                    visionWidth: config.vision.hiddenSize, rng: &context.rng)
        self.learner = learner
        model.methodModules.append((Self.moduleName, learner))
        return prefixed(Self.moduleName, learner.namedParameters())
    }

    public func reach(_ tower: TowerKind, in model: CLIPModel) -> TowerReach { .fromLayer(0) }

    public func encode(_ input: EncoderInput, model: CLIPModel) -> TowerFeatures {
        guard let learner else { preconditionFailure("MaPLe.encode before apply") }
        let n = contextLength
        let visionPrompts = learner.visionPrompts()
        var text = input.text.map { PromptedText.begin(model.text, PromptedText.tokens($0, method: "maple"), context: learner.textPrompts[0]) }
        var vision = input.vision.map { vision -> TowerState in
            guard case .pixels(let pixels) = vision else {
                preconditionFailure("maple: the vision tower needs pixels (its reach is layer 0), got \(vision.kind)")
            }
            let embedded = model.vision.embed(pixels: pixels)
            let prompts = visionPrompts[0].unsqueezed(axis: 0).expanded(to: [embedded.shape[0], n, embedded.shape[2]])
            return model.vision.begin(embeddings: Tensor.concatenated([embedded, prompts], axis: 1))
        }
        for layer in 0 ..< Swift.max(model.text.layers.count, model.vision.layers.count) {
            if layer > 0 && layer < learner.depth {
                text?.replaceTokens(at: 1, with: learner.textPrompts[layer])
                if let length = vision?.length { vision?.replaceTokens(at: length - n, with: visionPrompts[layer]) }
            }
            if text != nil && layer < model.text.layers.count { model.text.step(&text!, layer: layer) }
            if vision != nil && layer < model.vision.layers.count { model.vision.step(&vision!, layer: layer) }
        }
        text?.removeTokens(at: 1, count: n)
        if let length = vision?.length { vision?.removeTokens(at: length - n, count: n) }
        return TowerFeatures(image: vision.map { model.vision.finish($0).embeddings },
                             text: text.map { model.text.finish($0).embeddings }, extra: input.extra)
    }
}

/// MaPLe's prompt learner: per layer l < J, text prompts `[n, dₜ]` and the coupling `[dᵥ, dₜ]` (+ bias) that maps
/// them to that layer's vision prompts. Keys as the authors' `MultiModalPromptLearner`.
public final class PromptLearner: ParameterContainer {
    /// J.
    public let depth: Int
    /// Per layer, `[n, dₜ]`: `ctx`, then `compound_prompts_text.*`.
    public let textPrompts: [Tensor]
    /// Per layer, text width → vision width: `proj`, then `compound_prompt_projections.*`.
    public let couplings: [Linear]

    init(depth: Int, count: Int, textWidth: Int, visionWidth: Int, rng: inout RNG) {
        self.depth = depth
        var prompts: [Tensor] = []
        var couplings: [Linear] = []
        for _ in 0 ..< depth {
            prompts.append(Tensor.randn([count, textWidth], std: 0.02, rng: &rng, requiresGrad: true))
            couplings.append(Linear(inputSize: textWidth, outputSize: visionWidth, rng: &rng))
        }
        textPrompts = prompts
        self.couplings = couplings
    }

    /// Per layer, the vision prompts `[n, dᵥ]` the couplings make of the text prompts.
    public func visionPrompts() -> [Tensor] { zip(couplings, textPrompts).map { $0($1) } }

    public func namedParameters() -> [(String, Tensor)] {
        var result: [(String, Tensor)] = []
        for layer in 0 ..< depth {
            let (prompt, coupling) = layer == 0 ? ("ctx", "proj") : ("compound_prompts_text.\(layer - 1)", "compound_prompt_projections.\(layer - 1)")
            result.append((prompt, textPrompts[layer]))
            result += prefixed(coupling, couplings[layer].namedParameters())
        }
        return result
    }
}

import PEFTCLIP
import PEFTTensor

/// CoOp (Zhou et al. 2022, "Learning to Prompt for Vision-Language Models"): `n_ctx` learned context vectors
/// (unified context, init N(0, 0.02²) as CoOp's generic initialisation) in the text tower's input right after the
/// start token, before the caption's or class name's tokens; end-of-text pooling follows the real tokens
/// (`PromptedText`: rows too long for `max_position_embeddings − n_ctx` lose the tokens before their end-of-text
/// token). Both towers' weights stay frozen; the vision tower is untouched (read from the cache).
///
/// Parameters: `prompt_learner.ctx` `[n_ctx, text width]` (CoOp's own key): 16 × 512 = 8 192 at ViT-B/32.
/// Left out: class-specific contexts (CSC), initialisation from words ("a photo of a"; it needs the tokenizer,
/// which a method does not hold), class-token positions other than after the context.
public final class CoOp: PEFTMethod {
    /// The name of the context's module in `CLIPModel.methodModules`.
    public static let moduleName = "prompt_learner"

    public static let descriptor = MethodDescriptor(
        name: "coop",
        summary: "CoOp: n_ctx learned context vectors in the text input, after the start token and before the real tokens.",
        trains: "n_ctx × text width context vectors",
        tasks: Set(TaskKind.allCases),
        parameters: [
            ParameterSpec("n_ctx", .int(min: 1, max: 1_000), default: .int(16),
                          help: "Number of context vectors (each uses one of the text tower's positions)."),
        ],
        check: { settings, config in
            let room = config.text.maxPositionEmbeddings - 2
            return settings.int("n_ctx") <= room ? [] : [("n_ctx", "\(settings.int("n_ctx")) context vectors leave no room for the start "
                                                            + "and end-of-text tokens in the backbone's \(config.text.maxPositionEmbeddings) text positions (at most \(room))")]
        },
        parameterCount: { settings, config in settings.int("n_ctx") * config.text.hiddenSize },
        make: { CoOp(contextLength: $0.int("n_ctx")) })

    public let contextLength: Int
    /// `[n_ctx, width]`, after `apply`.
    public private(set) var context: Tensor?

    public init(contextLength: Int) { self.contextLength = contextLength }

    public func apply(to model: CLIPModel, context methodContext: inout MethodContext) throws -> [(String, Tensor)] {
        let ctx = Tensor.randn([contextLength, model.config.text.hiddenSize], std: 0.02, rng: &methodContext.rng, requiresGrad: true)
        context = ctx
        model.methodModules.append((Self.moduleName, PromptVectors(["ctx": ctx])))
        return [("\(Self.moduleName).ctx", ctx)]
    }

    public func reach(_ tower: TowerKind, in model: CLIPModel) -> TowerReach {
        tower == .text ? .fromLayer(0) : .frozen
    }

    public func encode(_ input: EncoderInput, model: CLIPModel) -> TowerFeatures {
        guard let context else { preconditionFailure("CoOp.encode before apply") }
        let text = input.text.map { text in
            model.text.finish(PromptedText.begin(model.text, PromptedText.tokens(text, method: "coop"), context: context)).embeddings
        }
        return TowerFeatures(image: input.vision.map { StandardEncoding.vision($0, model: model) }, text: text, extra: input.extra)
    }

    public func peftAdapter(model: CLIPModel) -> PEFTAdapter? {
        context.map { PEFTAdapter.promptTuning(embeddings: $0, model: model) }
    }
}

/// Named learned tensors with no forward of their own (prompt and context vectors a method splices in itself).
public final class PromptVectors: ParameterContainer {
    /// The tensors by name, listed in name order.
    public let tensors: [String: Tensor]

    public init(_ tensors: [String: Tensor]) { self.tensors = tensors }

    public func namedParameters() -> [(String, Tensor)] {
        tensors.keys.sorted().map { ($0, tensors[$0]!) }
    }
}

import PEFTCLIP
import PEFTTensor

/// BitFit (Ben Zaken et al. 2022): only bias terms train. "All bias terms" read as the paper's BERT does: every
/// linear's bias (q, k, v, out_proj, fc1, fc2) and every LayerNorm's additive β (`layer_norm1`, `layer_norm2`, and
/// the tower norms `pre_layrnorm`, `post_layernorm`, `final_layer_norm`), the LayerNorm gains γ excluded — what the
/// usual `requires_grad = "bias" in name` implementation trains. CLIP's patch embedding and projections have no bias.
///
/// `towers` and `layers` select as for full fine-tuning (`BaseTensorScope`): the layers' biases, the vision
/// `pre_layrnorm` β only when the range starts at layer 1, the final norm's β whenever the tower is selected.
/// Starts equal to the frozen model; the trained biases are own copies (shared base tensors stay frozen). The k_proj
/// biases are trained and counted, as in the paper, though they cannot matter: they shift all of a query's
/// attention logits alike, which softmax ignores, so their gradient is zero up to rounding.
public final class BitFit: PEFTMethod {
    public static let descriptor = MethodDescriptor(
        name: "bitfit",
        summary: "BitFit: only the bias terms train (linears' biases and LayerNorm β), optionally per tower and layer range.",
        trains: "biases of the linears and LayerNorm β in scope",
        tasks: Set(TaskKind.allCases),
        parameters: [
            ParameterSpec("layers", .layerRange, default: .string("all"),
                          help: "Encoder layers whose biases train: all, upper, lower, N or N-M (1-based)."),
            Towers.parameter(),
        ],
        parameterCount: { settings, config in BaseTensorScope(settings).count(config, where: BitFit.isBias) },
        trainsBaseTensors: true,
        make: { BitFit(scope: BaseTensorScope($0)) })

    /// Whether an HF key names a bias term (`….bias`).
    public static let isBias: @Sendable (String) -> Bool = { $0.hasSuffix(".bias") }

    public let scope: BaseTensorScope

    public init(scope: BaseTensorScope) { self.scope = scope }

    public func apply(to model: CLIPModel, context: inout MethodContext) throws -> [(String, Tensor)] {
        model.trainOwnCopies { Self.isBias($0) && scope.contains($0, config: model.config) }
    }

    public func reach(_ tower: TowerKind, in model: CLIPModel) -> TowerReach {
        scope.reach(tower, layers: model.layers(tower).count)
    }
}

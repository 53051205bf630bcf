import PEFTCLIP
import PEFTTensor

/// Full fine-tuning: every base tensor of the selected towers and layers trains (`BaseTensorScope`; by default the
/// whole backbone but `logit_scale`, which the heads own). Shared base tensors are never unfrozen: the run's
/// model gets trainable copies (`CLIPModel.trainOwnCopies`), so a process's other runs keep the frozen originals.
///
/// The upper-bound baseline. Each run holds its own copy of what it trains (the whole backbone: ≈ 605 MB at
/// ViT-B/32 in Float32, plus AdamW's two moments), and its checkpoints hold all of it.
public final class FullFineTuning: PEFTMethod {
    public static let descriptor = MethodDescriptor(
        name: "full",
        summary: "Full fine-tuning: every backbone weight of the chosen towers and layers trains (the upper-bound baseline).",
        trains: "all base tensors in scope (logit_scale excepted: the heads own their temperature)",
        tasks: Set(TaskKind.allCases),
        parameters: [
            ParameterSpec("layers", .layerRange, default: .string("all"),
                          help: "Encoder layers to train (the embeddings only with layer 1, the final norm and projection always): "
                              + "all, upper, lower, N or N-M (1-based)."),
            Towers.parameter(),
        ],
        parameterCount: { settings, config in BaseTensorScope(settings).count(config) }, trainsBaseTensors: true,
        make: { FullFineTuning(scope: BaseTensorScope($0)) })

    public let scope: BaseTensorScope

    public init(scope: BaseTensorScope) { self.scope = scope }

    public func apply(to model: CLIPModel, context: inout MethodContext) throws -> [(String, Tensor)] {
        model.trainOwnCopies { scope.contains($0, config: model.config) }
    }

    public func reach(_ tower: TowerKind, in model: CLIPModel) -> TowerReach {
        scope.reach(tower, layers: model.layers(tower).count)
    }
}

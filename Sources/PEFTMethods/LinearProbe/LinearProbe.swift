import PEFTCLIP
import PEFTTensor

/// Linear probe: the backbone stays frozen and only the task head trains, on the towers' cached embeddings
/// (fused by `head.fusion`) or on a stored example feature such as `audio` (sequences mean-pooled).
public final class LinearProbe: PEFTMethod {
    public static let descriptor = MethodDescriptor(
        name: "linear-probe",
        summary: "Head only, on frozen features: CLIP embeddings (cached once) or a stored example feature.",
        trains: "the head only",
        tasks: [.classification, .regression],
        parameters: [
            ParameterSpec("feature", .string, default: .string("clip"),
                          help: "clip (the towers' projected embeddings, fused by head.fusion) or the name of "
                              + "example_features rows (sequences are mean-pooled)."),
            ParameterSpec("standardize", .bool, default: .bool(true),
                          help: "Scale the head's input to zero mean and unit variance using training-split statistics."),
        ],
        parameterCount: { _, _ in 0 },
        make: { LinearProbe($0) })

    public let inputFeature: String?
    public let standardizesFeatures: Bool

    public init(_ settings: Settings) {
        let feature = settings.string("feature")
        inputFeature = feature == "clip" ? nil : feature
        standardizesFeatures = settings.bool("standardize")
    }

    public func apply(to model: CLIPModel, context: inout MethodContext) throws -> [(String, Tensor)] { [] }

    public func reach(_ tower: TowerKind, in model: CLIPModel) -> TowerReach { .frozen }
}

import PEFTCLIP
import PEFTTensor

/// CLIP-Adapter (Gao et al. 2021): a residual `FeatureAdapter` (reduction 4, ratio α = 0.2) on the final image
/// and/or text embeddings (`towers`; the paper's main variant adapts the image side, the default here). Both towers
/// stay frozen, so the loop feeds their cached embeddings (reach `.frozen`) and the adapters act in `encode`.
///
/// Parameters: `visual_adapter.fc.{0,2}.weight`, `text_adapter.fc.{0,2}.weight`, 2·d·(d/r) per adapted tower with
/// d = projection_dim: 131 072 at ViT-B/32 (512 → 128 → 512) per tower.
public final class CLIPAdapter: PEFTMethod {
    public static let descriptor = MethodDescriptor(
        name: "clip-adapter",
        summary: "CLIP-Adapter: a residual 2-layer MLP (reduction 4) on the frozen image and/or text embeddings, α·A(f) + (1−α)·f.",
        trains: "2 bias-free linears d→d/red→d per adapted tower (d = projection_dim)",
        tasks: Set(TaskKind.allCases),
        parameters: [
            ParameterSpec("reduction", .int(min: 1, max: 4096), default: .int(4),
                          help: "Bottleneck = projection_dim / reduction."),
            ParameterSpec("alpha", .number(min: 0, exclusive: false, max: 1), default: .double(0.2),
                          help: "Residual ratio: the output is alpha · adapter(f) + (1 − alpha) · f."),
            Towers.parameter(default: .vision),
        ],
        parameterCount: { settings, config in
            settings.towers().kinds.count * FeatureAdapter.parameterCount(width: config.projectionDim,
                                                                          bottleneck: bottleneck(settings, width: config.projectionDim))
        },
        make: { CLIPAdapter($0) })

    static func bottleneck(_ settings: Settings, width: Int) -> Int {
        Swift.max(1, width / Swift.max(1, settings.int("reduction")))
    }

    /// The module name of a tower's adapter in `CLIPModel.methodModules` (the authors' image adapter is `adapter`).
    public static func moduleName(_ tower: TowerKind) -> String { tower == .vision ? "visual_adapter" : "text_adapter" }

    public let settings: Settings
    public private(set) var adapters: [TowerKind: FeatureAdapter] = [:]

    public init(_ settings: Settings) { self.settings = settings }

    public func apply(to model: CLIPModel, context: inout MethodContext) throws -> [(String, Tensor)] {
        let width = model.config.projectionDim
        var trainable: [(String, Tensor)] = []
        for tower in settings.towers().kinds.sorted(by: { $0.rawValue > $1.rawValue }) {
            let adapter = FeatureAdapter(width: width, bottleneck: Self.bottleneck(settings, width: width),
                                         ratio: settings.double("alpha"), rng: &context.rng)
            adapters[tower] = adapter
            model.methodModules.append((Self.moduleName(tower), adapter))
            trainable += prefixed(Self.moduleName(tower), adapter.namedParameters())
        }
        return trainable
    }

    public func reach(_ tower: TowerKind, in model: CLIPModel) -> TowerReach { .frozen }

    public func encode(_ input: EncoderInput, model: CLIPModel) -> TowerFeatures {
        var features = StandardEncoding.encode(input, model: model)
        if let adapter = adapters[.vision] { features.image = features.image.map { adapter($0) } }
        if let adapter = adapters[.text] { features.text = features.text.map { adapter($0) } }
        return features
    }
}

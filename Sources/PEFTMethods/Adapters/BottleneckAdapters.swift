import PEFTCLIP
import PEFTTensor

/// Bottleneck adapters in the encoder layers: Houlsby (after attention and after the MLP) and Pfeiffer (after the
/// MLP only), with `reduction` (bottleneck = width / reduction) or an explicit `bottleneck`, `activation`,
/// `layers`, `towers`. Every base weight stays frozen.
public final class BottleneckAdapters: PEFTMethod {
    /// Where the adapters go in each layer.
    public enum Placement: String, Sendable {
        case houlsby, pfeiffer

        var positions: [AdapterSite.Position] { self == .houlsby ? [.afterAttention, .afterMLP] : [.afterMLP] }
    }

    public static let houlsby = descriptor(.houlsby, summary: "Bottleneck adapters after attention and after the MLP (Houlsby et al. 2019).")
    public static let pfeiffer = descriptor(.pfeiffer, summary: "One bottleneck adapter after the MLP of each layer (Pfeiffer et al. 2020).")

    static func descriptor(_ placement: Placement, summary: String) -> MethodDescriptor {
        MethodDescriptor(
            name: placement.rawValue, summary: summary,
            trains: placement == .houlsby ? "2 adapters d→d/red→d per layer" : "1 adapter d→d/red→d per layer",
            tasks: Set(TaskKind.allCases),
            parameters: [
                ParameterSpec("reduction", .int(min: 1, max: 4096), default: .int(16),
                              help: "Bottleneck = tower width / reduction (ignored when `bottleneck` is set)."),
                ParameterSpec("bottleneck", .int(min: 0, max: 65_536), default: .int(0),
                              help: "Bottleneck width for both towers (0 = width / reduction)."),
                ParameterSpec("activation", .choice(BottleneckAdapter.Activation.allCases.map(\.rawValue)),
                              default: .string("relu"), help: "Non-linearity in the bottleneck."),
                ParameterSpec("layers", .layerRange, default: .string("all"),
                              help: "Encoder layers that get adapters: all, upper, lower, N or N-M (1-based)."),
                Towers.parameter(),
            ],
            parameterCount: { settings, config in
                settings.towers().kinds.reduce(0) { total, tower in
                    let d = config.width(tower)
                    let m = bottleneck(settings, width: d)
                    let layers = settings.layers().indices(layers: config.layers(tower)).count
                    return total + layers * placement.positions.count * BottleneckAdapter.parameterCount(width: d, bottleneck: m)
                }
            },
            make: { BottleneckAdapters(placement, settings: $0) })
    }

    static func bottleneck(_ settings: Settings, width: Int) -> Int {
        let explicit = settings.int("bottleneck")
        return explicit > 0 ? explicit : Swift.max(1, width / Swift.max(1, settings.int("reduction")))
    }

    public let placement: Placement
    public let settings: Settings
    private var adapted: [TowerKind: [Int]] = [:]

    public init(_ placement: Placement, settings: Settings) {
        self.placement = placement
        self.settings = settings
    }

    public func apply(to model: CLIPModel, context: inout MethodContext) throws -> [(String, Tensor)] {
        let activation = BottleneckAdapter.Activation(rawValue: settings.string("activation")) ?? .relu
        var trainable: [(String, Tensor)] = []
        for tower in settings.towers().kinds {
            let layers = model.layers(tower)
            let indices = settings.layers().indices(layers: layers.count)
            adapted[tower] = indices
            let width = model.config.width(tower)
            for index in indices {
                for position in placement.positions {
                    let adapter = BottleneckAdapter(width: width, bottleneck: Self.bottleneck(settings, width: width),
                                                    activation: activation, rng: &context.rng)
                    let list = position == .afterAttention ? "attention_adapters" : "mlp_adapters"
                    let slot = position == .afterAttention ? layers[index].attentionAdapters.count : layers[index].mlpAdapters.count
                    if position == .afterAttention { layers[index].attentionAdapters.append(adapter) }
                    else { layers[index].mlpAdapters.append(adapter) }
                    trainable += prefixed("\(tower.modelPrefix).encoder.layers.\(index).\(list).\(slot)", adapter.namedParameters())
                }
            }
        }
        return trainable
    }

    public func reach(_ tower: TowerKind, in model: CLIPModel) -> TowerReach {
        PEFTMethods.reach(modifying: adapted[tower] ?? [])
    }
}

import PEFTCLIP
import PEFTTensor

/// LoRA on the encoder layers' linears: `r`, `alpha`, `dropout`, `targets`, `layers`, `towers` (HF PEFT's
/// `LoraConfig` with `target_modules` and `layers_to_transform`). Mergeable; exports in PEFT's adapter format.
public final class LoRA: PEFTMethod {
    public static let descriptor = MethodDescriptor(
        name: "lora",
        summary: "Low-rank updates W + (α/r)·B·A on the chosen linears of the chosen layers (B = 0 at init).",
        trains: "A [r×in], B [out×r] per targeted linear",
        tasks: Set(TaskKind.allCases),
        parameters: [
            ParameterSpec("r", .int(min: 1, max: 4096), default: .int(8), help: "Rank of the update."),
            ParameterSpec("alpha", .number(min: 0, exclusive: true, max: 1e6), default: .double(8),
                          help: "Scale numerator: the update is multiplied by alpha / r."),
            ParameterSpec("dropout", .number(min: 0, exclusive: false, max: 0.99), default: .double(0),
                          help: "Dropout on the LoRA branch's input during training."),
            ParameterSpec("targets", .choiceList(LinearSlot.allCases.map(\.rawValue)), default: .list([.string("q"), .string("v")]),
                          help: "Linears to adapt: q, k, v, o (attention out_proj), fc1, fc2."),
            ParameterSpec("layers", .layerRange, default: .string("all"),
                          help: "Encoder layers to adapt: all, upper, lower, N or N-M (1-based)."),
            Towers.parameter(),
        ],
        parameterCount: { settings, config in
            let r = settings.int("r")
            return settings.towers().kinds.reduce(0) { total, tower in
                let layers = settings.layers().indices(layers: config.layers(tower)).count
                let perLayer = settings.strings("targets").compactMap(LinearSlot.init(rawValue:)).reduce(0) {
                    let (i, o) = $1.shape(tower, config)
                    return $0 + r * (i + o)
                }
                return total + layers * perLayer
            }
        },
        make: { try LoRA($0) })

    public let rank: Int
    public let alpha: Double
    public let dropout: Double
    public let targets: [LinearSlot]
    public let layers: LayerRange
    public let towers: Towers
    private var wrapped: [TowerKind: [Int]] = [:]

    public init(_ settings: Settings) throws {
        rank = settings.int("r")
        alpha = settings.double("alpha")
        dropout = settings.double("dropout")
        targets = settings.strings("targets").compactMap(LinearSlot.init(rawValue:))
        layers = settings.layers()
        towers = settings.towers()
    }

    public func apply(to model: CLIPModel, context: inout MethodContext) throws -> [(String, Tensor)] {
        var trainable: [(String, Tensor)] = []
        for tower in towers.kinds {
            let indices = layers.indices(layers: model.layers(tower).count)
            wrapped[tower] = indices
            for index in indices {
                let layer = model.layers(tower)[index]
                for slot in targets {
                    let lora = LoRALinear(wrapping: slot.get(layer).base, rank: rank, alpha: alpha, dropout: dropout,
                                          mode: context.mode, rng: &context.rng)
                    slot.set(layer, lora)
                    let path = slot.path(tower, layer: index)
                    trainable += [("\(path).lora_A.weight", lora.loraA), ("\(path).lora_B.weight", lora.loraB)]
                }
            }
        }
        return trainable
    }

    public func reach(_ tower: TowerKind, in model: CLIPModel) -> TowerReach {
        PEFTMethods.reach(modifying: wrapped[tower] ?? [])
    }

    public func merge(into model: CLIPModel) -> Bool {
        for tower in TowerKind.allCases {
            for layer in model.layers(tower) {
                for slot in LinearSlot.allCases {
                    guard let lora = slot.get(layer) as? LoRALinear else { continue }
                    slot.set(layer, Linear(weight: lora.mergedWeight(), bias: lora.base.bias))
                }
            }
        }
        return true
    }

    public func peftAdapter(model: CLIPModel) -> PEFTAdapter? {
        PEFTAdapter.lora(model: model, rank: rank, alpha: alpha, dropout: dropout, targets: targets,
                         layers: towers.kinds.flatMap { tower in (wrapped[tower] ?? []).map { (tower, $0) } })
    }
}

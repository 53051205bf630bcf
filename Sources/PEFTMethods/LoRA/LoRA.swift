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
            return LinearTargets(settings).count(config) { _, shape in r * (shape.input + shape.output) }
        },
        make: { try LoRA($0) })

    public let rank: Int
    public let alpha: Double
    public let dropout: Double
    public let targets: LinearTargets
    private var wrapped: [TowerKind: [Int]] = [:]

    public init(_ settings: Settings) throws {
        rank = settings.int("r")
        alpha = settings.double("alpha")
        dropout = settings.double("dropout")
        targets = LinearTargets(settings)
    }

    public func apply(to model: CLIPModel, context: inout MethodContext) throws -> [(String, Tensor)] {
        var rng = context.rng
        let mode = context.mode
        let (layers, trainable) = targets.wrap(model) { base, _, path in
            let lora = LoRALinear(wrapping: base, rank: rank, alpha: alpha, dropout: dropout, mode: mode, rng: &rng)
            return (lora, [("\(path).lora_A.weight", lora.loraA), ("\(path).lora_B.weight", lora.loraB)])
        }
        context.rng = rng
        wrapped = layers
        return trainable
    }

    public func reach(_ tower: TowerKind, in model: CLIPModel) -> TowerReach {
        PEFTMethods.reach(modifying: wrapped[tower] ?? [])
    }

    public func merge(into model: CLIPModel) -> Bool {
        LinearTargets.replaceAll(LoRALinear.self, in: model) { Linear(weight: $0.mergedWeight(), bias: $0.base.bias) }
        return true
    }

    public func peftAdapter(model: CLIPModel) -> PEFTAdapter? {
        PEFTAdapter.lora(model: model, rank: rank, alpha: alpha, dropout: dropout, targets: targets.slots,
                         layers: targets.towers.kinds.flatMap { tower in (wrapped[tower] ?? []).map { (tower, $0) } })
    }
}

import PEFTCLIP
import PEFTTensor

/// (IA)³ on the encoder layers' linears: `targets` (default k, v, fc2, as HF PEFT's defaults for BERT/T5-style
/// blocks), `layers`, `towers`. fc2 is the feed-forward module (its input — the MLP's hidden units — is scaled, as
/// PEFT's `feedforward_modules`); every other target's output is scaled. Starts equal to the frozen model
/// (vectors of ones); mergeable; exports in PEFT's adapter format.
///
/// Parameters: Σ over targeted linears of `in` (fc2) or `out` (the others): at ViT-B/32 with k, v, fc2 in every
/// layer of both towers, 12·(768 + 768 + 3072) + 12·(512 + 512 + 2048) = 92 160.
public final class IA3: PEFTMethod {
    /// The slot whose input, not output, is scaled (PEFT's `feedforward_modules` for CLIP).
    public static let feedForward: LinearSlot = .fc2

    public static let descriptor = MethodDescriptor(
        name: "ia3",
        summary: "(IA)³: learned vectors (init 1) scaling the k and v outputs and the MLP's hidden units (fc2's input).",
        trains: "one vector per targeted linear: out features (k, v, …) or in features (fc2)",
        tasks: Set(TaskKind.allCases),
        parameters: [
            ParameterSpec("targets", .choiceList(LinearSlot.allCases.map(\.rawValue)),
                          default: .list([.string("k"), .string("v"), .string("fc2")]),
                          help: "Linears to rescale: q, k, v, o (attention out_proj), fc1 (outputs scaled), fc2 (input scaled, "
                              + "i.e. the MLP's hidden units)."),
            ParameterSpec("layers", .layerRange, default: .string("all"),
                          help: "Encoder layers to adapt: all, upper, lower, N or N-M (1-based)."),
            Towers.parameter(),
        ],
        parameterCount: { settings, config in
            LinearTargets(settings).count(config) { slot, shape in slot == feedForward ? shape.input : shape.output }
        },
        make: { IA3($0) })

    public let targets: LinearTargets
    private var wrapped: [TowerKind: [Int]] = [:]

    public init(_ settings: Settings) {
        targets = LinearTargets(settings)
    }

    public func apply(to model: CLIPModel, context: inout MethodContext) throws -> [(String, Tensor)] {
        let (layers, trainable) = targets.wrap(model) { base, slot, path in
            let ia3 = IA3Linear(wrapping: base, scalesInput: slot == Self.feedForward)
            return (ia3, [("\(path).ia3_l", ia3.scaling)])
        }
        wrapped = layers
        return trainable
    }

    public func reach(_ tower: TowerKind, in model: CLIPModel) -> TowerReach {
        PEFTMethods.reach(modifying: wrapped[tower] ?? [])
    }

    public func merge(into model: CLIPModel) -> Bool {
        LinearTargets.replaceAll(IA3Linear.self, in: model) { $0.merged() }
        return true
    }

    public func peftAdapter(model: CLIPModel) -> PEFTAdapter? {
        PEFTAdapter.ia3(model: model, targets: targets.slots,
                        layers: targets.towers.kinds.flatMap { tower in (wrapped[tower] ?? []).map { (tower, $0) } })
    }
}

import PEFTCLIP
import PEFTTensor

/// One of the six linear maps of an encoder layer, as `targets:` names it (`q`, `k`, `v`, `o`, `fc1`, `fc2`), with
/// its HF module path and access to the layer's slot (so LoRA and IA3 can wrap it).
public enum LinearSlot: String, Sendable, CaseIterable {
    case q, k, v, o, fc1, fc2

    /// The module path inside a layer, as in HF checkpoints and PEFT's `target_modules` (`self_attn.q_proj`).
    public var modulePath: String {
        switch self {
        case .q: return "self_attn.q_proj"
        case .k: return "self_attn.k_proj"
        case .v: return "self_attn.v_proj"
        case .o: return "self_attn.out_proj"
        case .fc1: return "mlp.fc1"
        case .fc2: return "mlp.fc2"
        }
    }

    /// The last path component (`q_proj`, `fc2`): PEFT's `target_modules` entry.
    public var moduleName: String { String(modulePath.split(separator: ".").last ?? "") }

    /// The slot whose module name is `name` (`q_proj` or `q`).
    public init?(moduleName name: String) {
        guard let slot = Self.allCases.first(where: { $0.moduleName == name || $0.rawValue == name }) else { return nil }
        self = slot
    }

    /// (in, out) features of the slot in a tower of `config`.
    public func shape(_ tower: TowerKind, _ config: CLIPConfig) -> (input: Int, output: Int) {
        let d = config.width(tower), i = config.intermediate(tower)
        switch self {
        case .q, .k, .v, .o: return (d, d)
        case .fc1: return (d, i)
        case .fc2: return (i, d)
        }
    }

    /// The layer's current module in this slot.
    public func get(_ layer: CLIPEncoderLayer) -> any LinearLayer {
        switch self {
        case .q: return layer.qProj
        case .k: return layer.kProj
        case .v: return layer.vProj
        case .o: return layer.outProj
        case .fc1: return layer.fc1
        case .fc2: return layer.fc2
        }
    }

    /// Puts `module` into the layer's slot.
    public func set(_ layer: CLIPEncoderLayer, _ module: any LinearLayer) {
        switch self {
        case .q: layer.qProj = module
        case .k: layer.kProj = module
        case .v: layer.vProj = module
        case .o: layer.outProj = module
        case .fc1: layer.fc1 = module
        case .fc2: layer.fc2 = module
        }
    }

    /// The full HF module path of this slot in layer `index` of `tower` (`vision_model.encoder.layers.3.self_attn.q_proj`).
    public func path(_ tower: TowerKind, layer index: Int) -> String {
        "\(tower.modelPrefix).encoder.layers.\(index).\(modulePath)"
    }
}

/// The linears a slot-wrapping method (LoRA, IA3) targets: `targets` in `layers` of `towers`, read from its
/// settings; one place for how such methods count, wrap and merge.
public struct LinearTargets: Sendable {
    public let slots: [LinearSlot]
    public let layers: LayerRange
    public let towers: Towers

    public init(_ settings: Settings) {
        slots = settings.strings("targets").compactMap(LinearSlot.init(rawValue:))
        layers = settings.layers()
        towers = settings.towers()
    }

    /// Σ over the targeted linears of a backbone of `config` of `perLinear(slot, (in, out))`.
    public func count(_ config: CLIPConfig, perLinear: (LinearSlot, (input: Int, output: Int)) -> Int) -> Int {
        towers.kinds.reduce(0) { total, tower in
            let perLayer = slots.reduce(0) { $0 + perLinear($1, $1.shape(tower, config)) }
            return total + layers.indices(layers: config.layers(tower)).count * perLayer
        }
    }

    /// Replaces each targeted linear of `model` with `wrap(base, slot, path)`, which also returns the tensors it
    /// trains; returns the adapted layer indices per tower and every trainable tensor, in tower/layer/slot order.
    public func wrap(_ model: CLIPModel, _ wrap: (Linear, LinearSlot, String) -> (any LinearLayer, [(String, Tensor)]))
        -> (layers: [TowerKind: [Int]], trainable: [(String, Tensor)])
    {
        var adapted: [TowerKind: [Int]] = [:]
        var trainable: [(String, Tensor)] = []
        for tower in towers.kinds {
            let indices = layers.indices(layers: model.layers(tower).count)
            adapted[tower] = indices
            for index in indices {
                let layer = model.layers(tower)[index]
                for slot in slots {
                    let (module, tensors) = wrap(slot.get(layer).base, slot, slot.path(tower, layer: index))
                    slot.set(layer, module)
                    trainable += tensors
                }
            }
        }
        return (adapted, trainable)
    }

    /// Replaces every `Wrapper` in any slot of `model` with `replacement(wrapper)` (merging for inference).
    public static func replaceAll<Wrapper>(_: Wrapper.Type, in model: CLIPModel, with replacement: (Wrapper) -> any LinearLayer) {
        for tower in TowerKind.allCases {
            for layer in model.layers(tower) {
                for slot in LinearSlot.allCases {
                    if let wrapper = slot.get(layer) as? Wrapper { slot.set(layer, replacement(wrapper)) }
                }
            }
        }
    }
}

import PEFTCLIP
import PEFTTensor

/// AdS-CLIP (Jana, Danayak & Singh 2025, "Adapter-state Sharing CLIP for Parameter-efficient Multimodal Sarcasm
/// Detection", arXiv 2507.04508): bottleneck adapters after the MLP of the upper `layers` of both towers, the lower
/// layers frozen (and read from the feature cache), the towers run in lockstep through the adapted layers so that
/// one tower's adapter states guide the other's (`SharedStateAdapter`, `SharingAttention`, `StateQueue`).
///
/// `sharing` says which way states flow: `text_to_visual` (the paper's: each adapted text layer pushes its bottleneck
/// state onto a queue of the last `queue_length` adapted layers, the visual adapter of the same layer attends over
/// it), `visual_to_text`, `bidirectional` (text runs first at each layer, so it reads the visual states of the
/// layers before it) and `none` (plain bottleneck adapters at the same places, computed exactly as `pfeiffer`).
///
/// Parameters, at every adapted layer of each tower of width d with bottleneck m: the adapter 2·d·m + m + d; and
/// where a tower receives and something is queued by then, the sharing attention 3·m² + 2·m. Initialisation: the
/// adapters first (text then vision, layer by layer, drawn as `pfeiffer` draws them), then the sharing modules in
/// the same order; the up-projections start at 0, so the model starts equal to the frozen CLIP.
public final class AdSCLIP: PEFTMethod {
    /// Which way adapter states flow between the towers (`sharing:`).
    public enum Sharing: String, Sendable, CaseIterable {
        case none
        case textToVisual = "text_to_visual"
        case visualToText = "visual_to_text"
        case bidirectional

        /// The towers whose states go onto the queue.
        var senders: Set<TowerKind> {
            switch self {
            case .none: return []
            case .textToVisual: return [.text]
            case .visualToText: return [.vision]
            case .bidirectional: return [.text, .vision]
            }
        }

        /// The towers whose adapters attend over the other's queue.
        var receivers: Set<TowerKind> {
            switch self {
            case .none: return []
            case .textToVisual: return [.vision]
            case .visualToText: return [.text]
            case .bidirectional: return [.text, .vision]
            }
        }

        /// The order the towers run each layer in: the sending tower first.
        var order: [TowerKind] { self == .visualToText ? [.vision, .text] : [.text, .vision] }
    }

    public static let descriptor = MethodDescriptor(
        name: "ads-clip",
        summary: "AdS-CLIP: bottleneck adapters in the upper layers of both towers; the visual adapters attend over the text adapters' queued states.",
        trains: "1 adapter d→m→d per adapted layer and tower + a single-head q/k/v attention (m→m) per receiving layer",
        // Not retrieval: sharing makes a post's image features depend on its own text, which would leak the pairing.
        tasks: [.classification, .regression],
        parameters: [
            ParameterSpec("sharing", .choice(Sharing.allCases.map(\.rawValue)), default: .string(Sharing.textToVisual.rawValue),
                          help: "Which way adapter states flow: none, text_to_visual (the paper's), visual_to_text, bidirectional."),
            ParameterSpec("queue_length", .int(min: 1, max: 64), default: .int(2),
                          help: "Adapted layers whose states the queue keeps: the current one and queue_length − 1 before it."),
            ParameterSpec("bottleneck", .int(min: 1, max: 65_536), default: .int(64),
                          help: "Bottleneck width m of every adapter (both towers: the sharing attention works in it)."),
            ParameterSpec("activation", .choice(BottleneckAdapter.Activation.allCases.map(\.rawValue)),
                          default: .string("relu"), help: "Non-linearity in the bottleneck."),
            ParameterSpec("layers", .layerRange, default: .string("upper"),
                          help: "Encoder layers of both towers that get adapters: upper (7-12 of 12), all, N or N-M (1-based)."),
        ],
        parameterCount: { settings, config in
            let m = settings.int("bottleneck")
            let layout = layout(settings, depths: [.text: config.layers(.text), .vision: config.layers(.vision)])
            return layout.reduce(0) { total, entry in
                total + entry.value.reduce(0) { sum, site in
                    sum + BottleneckAdapter.parameterCount(width: config.width(entry.key), bottleneck: m)
                        + (site.receives ? SharingAttention.parameterCount(width: m) : 0)
                }
            }
        },
        make: { AdSCLIP(settings: $0) })

    /// Per tower, its adapted layers (0-based) and whether the adapter there attends over the other tower's queue:
    /// it does when the tower receives and the other tower has queued a state by then (an adapted layer below it, or
    /// at the same index when the other tower runs first).
    static func layout(_ settings: Settings, depths: [TowerKind: Int]) -> [TowerKind: [(layer: Int, receives: Bool)]] {
        let sharing = Sharing(rawValue: settings.string("sharing")) ?? .textToVisual
        let range = settings.layers()
        let adapted = Dictionary(uniqueKeysWithValues: TowerKind.allCases.map { ($0, range.indices(layers: depths[$0] ?? 0)) })
        var layout: [TowerKind: [(layer: Int, receives: Bool)]] = [:]
        for tower in TowerKind.allCases {
            let other: TowerKind = tower == .text ? .vision : .text
            let otherFirst = sharing.order.first == other
            layout[tower] = adapted[tower, default: []].map { layer in
                let queued = sharing.senders.contains(other) && adapted[other, default: []].contains { otherFirst ? $0 <= layer : $0 < layer }
                return (layer, sharing.receivers.contains(tower) && queued)
            }
        }
        return layout
    }

    /// The run's `method:` settings.
    public let settings: Settings
    /// Which way states flow (`sharing:`).
    public let sharing: Sharing
    /// Adapted layers' states the queue keeps (`queue_length:`).
    public let queueLength: Int
    /// The adapters `apply` attached, text tower first.
    public private(set) var adapters: [SharedStateAdapter] = []
    private var adapted: [TowerKind: [Int]] = [:]

    public init(settings: Settings) {
        self.settings = settings
        sharing = Sharing(rawValue: settings.string("sharing")) ?? .textToVisual
        queueLength = settings.int("queue_length")
    }

    public func apply(to model: CLIPModel, context: inout MethodContext) throws -> [(String, Tensor)] {
        let m = settings.int("bottleneck")
        let activation = BottleneckAdapter.Activation(rawValue: settings.string("activation")) ?? .relu
        let towers: [TowerKind] = [.text, .vision]
        let layout = Self.layout(settings, depths: Dictionary(uniqueKeysWithValues: towers.map { ($0, model.layers($0).count) }))
        var bottlenecks: [TowerKind: [BottleneckAdapter]] = [:]
        for tower in towers {
            bottlenecks[tower] = layout[tower, default: []].map { _ in
                BottleneckAdapter(width: model.config.width(tower), bottleneck: m, activation: activation, rng: &context.rng)
            }
        }
        var trainable: [(String, Tensor)] = []
        for tower in towers {
            let layers = model.layers(tower)
            adapted[tower] = layout[tower, default: []].map(\.layer)
            for (site, bottleneck) in zip(layout[tower, default: []], bottlenecks[tower, default: []]) {
                let sharingModule = site.receives ? SharingAttention(width: m, rng: &context.rng) : nil
                let adapter = SharedStateAdapter(adapter: bottleneck, sharing: sharingModule, sends: sharing.senders.contains(tower))
                let slot = layers[site.layer].mlpAdapters.count
                layers[site.layer].mlpAdapters.append(adapter)
                adapters.append(adapter)
                trainable += prefixed("\(tower.modelPrefix).encoder.layers.\(site.layer).mlp_adapters.\(slot)", adapter.namedParameters())
            }
        }
        return trainable
    }

    public func reach(_ tower: TowerKind, in model: CLIPModel) -> TowerReach {
        PEFTMethods.reach(modifying: adapted[tower] ?? [])
    }

    /// Both towers layer by layer (the sending tower first at each layer) with one fresh `StateQueue` for the batch.
    /// One forward at a time per run's model (as the training loop runs it): the queue is handed to the adapters for
    /// the duration of the call.
    public func encode(_ input: EncoderInput, model: CLIPModel) -> TowerFeatures {
        var text = input.text.flatMap { Self.begin($0, text: model.text) }
        var vision = input.vision.flatMap { Self.begin($0, vision: model.vision) }
        let queue = StateQueue(length: queueLength, masks: text?.attentionMask.map { [.text: $0] } ?? [:])
        for adapter in adapters { adapter.queue = queue }
        defer { for adapter in adapters { adapter.queue = nil } }
        for layer in 0 ..< Swift.max(model.text.layers.count, model.vision.layers.count) {
            for tower in sharing.order {
                if tower == .text, text != nil, layer < model.text.layers.count, text!.nextLayer == layer { model.text.step(&text!) }
                if tower == .vision, vision != nil, layer < model.vision.layers.count, vision!.nextLayer == layer {
                    model.vision.step(&vision!)
                }
            }
        }
        return TowerFeatures(image: vision.map { model.vision.finish($0).embeddings } ?? Self.embeddings(input.vision),
                             text: text.map { model.text.finish($0).embeddings } ?? Self.embeddings(input.text),
                             extra: input.extra)
    }

    /// The text tower's state for `input` (nil for cached embeddings, which pass through unchanged).
    static func begin(_ input: TowerInput, text tower: CLIPTextTower) -> TowerState? {
        switch input {
        case .tokens(let batch): return tower.begin(batch)
        case let .hidden(hidden, layer, pool, mask): return tower.resume(hidden: hidden, atLayer: layer, poolPositions: pool, attentionMask: mask)
        case .embeddings: return nil
        case .pixels: preconditionFailure("ads-clip: pixel input for the text tower")
        }
    }

    /// The vision tower's state for `input` (nil for cached embeddings).
    static func begin(_ input: TowerInput, vision tower: CLIPVisionTower) -> TowerState? {
        switch input {
        case .pixels(let pixels): return tower.begin(pixels: pixels)
        case let .hidden(hidden, layer, _, _): return tower.resume(hidden: hidden, atLayer: layer)
        case .embeddings: return nil
        case .tokens: preconditionFailure("ads-clip: token input for the vision tower")
        }
    }

    static func embeddings(_ input: TowerInput?) -> Tensor? {
        if case .embeddings(let embeddings)? = input { return embeddings }
        return nil
    }
}

import PEFTCLIP
import PEFTTensor

/// Small PEFT-style modules that exercise every extension point of the encoder (used by CLIPHookTests).

/// A tiny CLIP (width 32, 2 layers, 16×16 images in 8×8 patches, 100-token vocabulary with bos 98 / eos 99).
func tinyModel(seed: UInt64 = 7) -> CLIPModel {
    var config = CLIPConfig.tiny(width: 32, layers: 2, heads: 4, imageSize: 16, patchSize: 8, projectionDim: 16,
                                 vocabSize: 100)
    config.text.bosTokenId = 98
    config.text.eosTokenId = 99
    config.text.maxPositionEmbeddings = 20
    return CLIPModel.random(config: config, seed: seed)
}

/// A padded batch: rows are bos, body, eos, then eos padding.
func tinyBatch(_ bodies: [[Int]]) -> TokenBatch {
    TokenBatch(rows: bodies.map { [98] + $0 + [99] }, padding: .longest, maxLength: 20, padTokenId: 99)
}

/// LoRA: `W x + b + scale · B A x` with B zero at init, wrapping the slot's base linear.
final class TestLoRA: LinearLayer {
    let base: Linear
    let a: Tensor
    let b: Tensor
    let scale: Float

    init(wrapping base: Linear, rank: Int, seed: UInt64) {
        self.base = base
        var rng = RNG(seed: seed)
        a = Tensor.randn([rank, base.weight.shape[1]], std: 0.1, rng: &rng, requiresGrad: true)
        b = Tensor.zeros([base.weight.shape[0], rank], requiresGrad: true)
        scale = 2
    }

    func callAsFunction(_ x: Tensor) -> Tensor {
        base(x) + x.linear(weight: a, bias: nil).linear(weight: b, bias: nil) * scale
    }

    func namedParameters() -> [(String, Tensor)] {
        base.namedParameters() + [("lora_A.weight", a), ("lora_B.weight", b)]
    }
}

/// A box shared by the text and vision adapters of one layer (AdS-CLIP's adapter-state sharing).
final class SharedState {
    var textBottleneck: [Int: Tensor] = [:]
}

/// A bottleneck adapter `h + up(relu(down(h)))` (up zero at init). Text adapters publish their pooled bottleneck
/// state; vision adapters add a projection of the text state of the same layer when one is present.
final class TestBottleneck: LayerAdapter {
    let down: Linear
    let up: Linear
    let share: Linear
    let shared: SharedState

    init(width: Int, bottleneck: Int, shared: SharedState, seed: UInt64) {
        var rng = RNG(seed: seed)
        down = Linear(inputSize: width, outputSize: bottleneck, rng: &rng)
        up = Linear(weight: Tensor.zeros([width, bottleneck], requiresGrad: true),
                    bias: Tensor.zeros([width], requiresGrad: true))
        share = Linear(inputSize: bottleneck, outputSize: bottleneck, rng: &rng)
        self.shared = shared
    }

    func callAsFunction(_ output: Tensor, site: AdapterSite) -> Tensor {
        var state = down(output).relu()
        switch site.tower {
        case .text:
            shared.textBottleneck[site.layer] = state.mean(axes: [1], keepDims: true)
        case .vision:
            if let text = shared.textBottleneck[site.layer] { state = state + share(text) }
        }
        return output + up(state)
    }

    func namedParameters() -> [(String, Tensor)] {
        prefixed("down", down.namedParameters()) + prefixed("up", up.namedParameters())
            + prefixed("share", share.namedParameters())
    }
}

/// VPT-deep / DialCLIP-style prompts: `count` tokens inserted at `position` before layer `first`, replaced by the
/// next layer's prompts before each later layer, removed after the last layer.
final class TestDeepPrompts: TowerHook {
    let hookName = "deep_prompts"
    let prompts: [Tensor]
    let position: Int
    let first: Int

    init(layers: Int, first: Int = 0, count: Int, width: Int, position: Int, seed: UInt64) {
        var rng = RNG(seed: seed)
        prompts = (0 ..< layers).map { _ in Tensor.randn([count, width], std: 0.5, rng: &rng, requiresGrad: true) }
        self.position = position
        self.first = first
    }

    func beforeLayer(_ layer: Int, state: inout TowerState) {
        guard layer >= first else { return }
        if layer == first {
            state.insertTokens(prompts[layer], at: position)
        } else {
            state.replaceTokens(at: position, with: prompts[layer])
        }
    }

    func afterLastLayer(state: inout TowerState) {
        state.removeTokens(at: position, count: prompts[0].shape[0])
    }

    func namedParameters() -> [(String, Tensor)] {
        prompts.enumerated().map { ("prompt.\($0.offset)", $0.element) }
    }
}

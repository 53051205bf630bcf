import PEFTTensor

/// A GPT-2-layout causal language model (transformers' `GPT2LMHeadModel`): token table `wte`, learned positions
/// `wpe`, `layers` pre-norm blocks, a final `ln_f`, and the LM head tied to `wte`.
///
/// The forward pass takes input *embeddings*, so a method can put its own vectors (MSE-Adapter's pseudo tokens)
/// between token embeddings; `embed(_:)` looks tokens up. Loaded weights are frozen (`requiresGrad` false): a
/// forward records graph only along inputs that need gradients, so backward reaches pseudo tokens through the
/// frozen model without any weight gradient. Cost per token: ≈ 2 × parameters FLOPs forward.
public final class GPT2Model: ParameterContainer {
    public let config: GPT2Config
    /// Token embeddings `[V, D]`, also the LM head's weight.
    public let tokenEmbedding: Tensor
    /// Position embeddings `[n_positions, D]`.
    public let positionEmbedding: Tensor
    public let blocks: [GPT2Block]
    public let finalNorm: LayerNorm

    public init(config: GPT2Config, tokenEmbedding: Tensor, positionEmbedding: Tensor, blocks: [GPT2Block],
                finalNorm: LayerNorm) {
        precondition(tokenEmbedding.shape == [config.vocabSize, config.hiddenSize]
                         && positionEmbedding.shape == [config.maxPositions, config.hiddenSize],
                     "GPT2Model: tables \(tokenEmbedding.shape), \(positionEmbedding.shape) do not fit the config")
        self.config = config
        self.tokenEmbedding = tokenEmbedding
        self.positionEmbedding = positionEmbedding
        self.blocks = blocks
        self.finalNorm = finalNorm
    }

    /// A freshly initialised trainable model (GPT-2's init: normal(0, 0.02) weights, zero biases, the residual
    /// output projections scaled by 1/√(2·layers)), for pretraining.
    public convenience init(config: GPT2Config, rng: inout RNG) {
        let d = config.hiddenSize, m = config.mlpSize
        let residualStd = Float(0.02 / (2 * Double(Swift.max(config.layers, 1))).squareRoot())
        func linear(_ out: Int, _ input: Int, std: Float, _ rng: inout RNG) -> Linear {
            Linear(weight: Tensor.randn([out, input], std: std, rng: &rng, requiresGrad: true),
                   bias: Tensor.zeros([out], requiresGrad: true))
        }
        let wte = Tensor.randn([config.vocabSize, d], std: 0.02, rng: &rng, requiresGrad: true)
        let wpe = Tensor.randn([config.maxPositions, d], std: 0.01, rng: &rng, requiresGrad: true)
        let eps = Float(config.layerNormEps)
        var blocks: [GPT2Block] = []
        for _ in 0 ..< config.layers {
            let attention = linear(3 * d, d, std: 0.02, &rng), projection = linear(d, d, std: residualStd, &rng)
            let fc = linear(m, d, std: 0.02, &rng), out = linear(d, m, std: residualStd, &rng)
            blocks.append(GPT2Block(ln1: LayerNorm(dim: d, eps: eps), attention: attention, attentionProjection: projection,
                                    ln2: LayerNorm(dim: d, eps: eps), fc: fc, projection: out, heads: config.heads))
        }
        self.init(config: config, tokenEmbedding: wte, positionEmbedding: wpe, blocks: blocks,
                  finalNorm: LayerNorm(dim: d, eps: eps))
    }

    /// Token embeddings of `ids` (rows of equal length) → `[B, T, D]`.
    public func embed(_ ids: [[Int]]) -> Tensor {
        let t = ids.first?.count ?? 0
        precondition(ids.allSatisfy { $0.count == t }, "GPT2Model.embed: rows have different lengths \(ids.map(\.count))")
        return tokenEmbedding.gathered(rows: ids.flatMap { $0 }).reshaped([ids.count, t, config.hiddenSize])
    }

    /// Final hidden states `[B, T, D]` (after `ln_f`) of input embeddings `[B, T, D]`.
    ///
    /// - Parameters:
    ///   - attentionMask: 1/0 per input position (0 = padding: no query attends to it); nil = all 1.
    ///   - positions: position ids per input position; nil = `Tpast ..< Tpast + T` for every row (transformers'
    ///     default). Left-padded batches pass `cumsum(mask) − 1` as `generate` does.
    ///   - cache: keys and values of earlier positions, extended by this call; nil = no cache.
    public func callAsFunction(_ embeddings: Tensor, attentionMask: [[Int]]? = nil, positions: [[Int]]? = nil,
                               cache: KVCache? = nil) -> Tensor {
        precondition(embeddings.rank == 3 && embeddings.shape[2] == config.hiddenSize,
                     "GPT2Model: input must be [B, T, \(config.hiddenSize)], got \(embeddings.shape)")
        let (b, t) = (embeddings.shape[0], embeddings.shape[1])
        let past = cache?.length ?? 0
        let mask = attentionMask ?? Array(repeating: Array(repeating: 1, count: t), count: b)
        let ids = positions ?? Array(repeating: Array(past ..< past + t), count: b)
        precondition(mask.count == b && mask.allSatisfy { $0.count == t } && ids.count == b && ids.allSatisfy { $0.count == t },
                     "GPT2Model: attention mask / positions must be [\(b)][\(t)]")
        let flat = ids.flatMap { $0 }
        precondition(flat.allSatisfy { $0 >= 0 && $0 < config.maxPositions },
                     "GPT2Model: positions \(flat.min() ?? 0)...\(flat.max() ?? 0) exceed n_positions \(config.maxPositions)")
        let keyMask = (cache?.keyMask ?? Array(repeating: [], count: b)).enumerated().map { $0.element + mask[$0.offset] }
        var x = embeddings + positionEmbedding.gathered(rows: flat).reshaped([b, t, config.hiddenSize])
        let additive = Self.mask(keyMask: keyMask, queries: t, past: past)
        for (index, block) in blocks.enumerated() {
            let out = block(x, mask: additive, past: cache?.layers[index])
            cache?.layers[index] = (out.k, out.v)
            x = out.output
        }
        cache?.keyMask = keyMask
        return finalNorm(x)
    }

    /// Next-token logits `[N, V]` of hidden states `[N, D]` (or `[B, T, D]`, flattened): the tied LM head.
    public func logits(_ hidden: Tensor) -> Tensor {
        hidden.reshaped([hidden.count / config.hiddenSize, config.hiddenSize]).matmul(tokenEmbedding, transposingOther: true)
    }

    /// Additive `[B, 1, T, Tk]` mask: query i (absolute position past + i) sees key j ≤ past + i whose mask is 1.
    static func mask(keyMask: [[Int]], queries t: Int, past: Int) -> Tensor {
        let b = keyMask.count, tk = keyMask.first?.count ?? 0
        var values = [Float](repeating: Tensor.maskedValue, count: b * t * tk)
        for row in 0 ..< b {
            for i in 0 ..< t {
                for j in 0 ... Swift.min(past + i, tk - 1) where keyMask[row][j] != 0 { values[(row * t + i) * tk + j] = 0 }
            }
        }
        return Tensor(shape: [b, 1, t, tk], storage: values)
    }

    public func namedParameters() -> [(String, Tensor)] {
        var out: [(String, Tensor)] = [("transformer.wte.weight", tokenEmbedding), ("transformer.wpe.weight", positionEmbedding)]
        for (i, block) in blocks.enumerated() { out += prefixed("transformer.h.\(i)", block.namedParameters()) }
        return out + prefixed("transformer.ln_f", finalNorm.namedParameters())
    }
}

/// Keys and values of the positions a model has already run, per layer, so generation feeds one new token per step
/// (transformers' `past_key_values`). One per sequence batch; not thread-safe.
public final class KVCache {
    /// Per layer `[B, H, Tpast, Dh]` keys and values (nil before the first call).
    var layers: [(k: Tensor, v: Tensor)?]
    /// Per row, the 1/0 mask of every cached position.
    var keyMask: [[Int]]?

    /// An empty cache for `model`.
    public init(for model: GPT2Model) { layers = Array(repeating: nil, count: model.blocks.count) }

    /// Positions cached so far.
    public var length: Int { keyMask?.first?.count ?? 0 }
}

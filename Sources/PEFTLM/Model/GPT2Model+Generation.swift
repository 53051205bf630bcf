import PEFTTensor

extension GPT2Model {
    /// Greedy decoding (transformers' `generate(do_sample=False, num_beams=1)`) of a batch of token prompts,
    /// left-padded to a common length as `generate` expects; returns each row's new ids (up to and including
    /// `stopTokenId` when it is produced).
    public func greedy(prompts: [[Int]], maxNewTokens: Int, stopTokenId: Int? = nil) -> [[Int]] {
        let length = prompts.map(\.count).max() ?? 0
        precondition(length > 0, "GPT2Model.greedy: empty prompt")
        let mask = prompts.map { Array(repeating: 0, count: length - $0.count) + Array(repeating: 1, count: $0.count) }
        let padded = prompts.map { Array(repeating: config.eosTokenId, count: length - $0.count) + $0 }
        return GradMode.noGrad {
            greedy(embeddings: embed(padded), attentionMask: mask, maxNewTokens: maxNewTokens, stopTokenId: stopTokenId)
        }
    }

    /// Greedy decoding from input embeddings `[B, T, D]` with a left-padding mask (1 = real position): positions are
    /// `cumsum(mask) − 1`, the prompt runs once, then one token per step through a `KVCache`. The argmax takes the
    /// first maximal logit, as torch does.
    public func greedy(embeddings: Tensor, attentionMask: [[Int]], maxNewTokens: Int, stopTokenId: Int? = nil) -> [[Int]] {
        let (b, t) = (embeddings.shape[0], embeddings.shape[1])
        var next = attentionMask.map { row in row.reduce(0, +) }
        precondition(next.allSatisfy { $0 + Swift.max(maxNewTokens - 1, 0) <= config.maxPositions },
                     "GPT2Model.greedy: prompt plus \(maxNewTokens) new tokens exceed n_positions \(config.maxPositions)")
        let positions = Self.positions(for: attentionMask)
        return GradMode.noGrad {
            let cache = KVCache(for: self)
            var hidden = self(embeddings, attentionMask: attentionMask, positions: positions, cache: cache)
            var last = hidden.sliced(axis: 1, range: (t - 1) ..< t)
            var outputs = [[Int]](repeating: [], count: b)
            var done = [Bool](repeating: false, count: b)
            for step in 0 ..< maxNewTokens {
                let ids = Self.argmaxRows(logits(last))
                for row in 0 ..< b where !done[row] {
                    outputs[row].append(ids[row])
                    if ids[row] == stopTokenId { done[row] = true }
                }
                if done.allSatisfy({ $0 }) || step == maxNewTokens - 1 { break }
                hidden = self(embed(ids.map { [$0] }), attentionMask: Array(repeating: [1], count: b),
                              positions: next.map { [$0] }, cache: cache)
                next = next.map { $0 + 1 }
                last = hidden
            }
            return outputs
        }
    }

    /// Position ids of a padded batch: `cumsum(mask) − 1`, 0 at leading padding (transformers' `generate`).
    public static func positions(for mask: [[Int]]) -> [[Int]] {
        mask.map { row in
            var seen = 0
            return row.map { bit in
                seen += bit
                return Swift.max(seen - 1, 0)
            }
        }
    }

    /// Index of the first maximum of each row of `[N, V]`.
    static func argmaxRows(_ logits: Tensor) -> [Int] {
        let (n, v) = (logits.shape[0], logits.shape[1])
        let values = logits.storage
        return (0 ..< n).map { row in
            var best = 0
            for j in 1 ..< v where values[row * v + j] > values[row * v + best] { best = j }
            return best
        }
    }
}

import PEFTCLIP
import PEFTTensor

/// Learned vectors in the text tower's *input*, right after the start token and before the real tokens (CoOp's
/// context, MaPLe's first-layer text prompts): `[SOS] v₁ … vₙ w₁ … [EOS]`, position embeddings added over the whole
/// sequence, so the real tokens move n positions up and the end-of-text pooling follows them.
///
/// The sequence must fit `max_position_embeddings` (77 for CLIP): a row longer than `max − n` tokens loses the
/// tokens just before its end-of-text token (the start token, the first real tokens and the pooled end-of-text token
/// are kept), as CLIP's tokenizer truncates to 77 but with n fewer positions left.
public enum PromptedText {
    /// The real tokens of each row (mask 1), truncated to `limit` tokens keeping the row's pooled token.
    static func rows(_ batch: TokenBatch, limit: Int, tower: CLIPTextTower) -> [[Int]] {
        zip(batch.ids, batch.attentionMask).map { ids, mask in
            let real = zip(ids, mask).filter { $0.1 != 0 }.map(\.0)
            guard real.count > limit else { return real }
            let pooled = tower.poolPositions([real])[0]
            return pooled < limit ? Array(real.prefix(limit)) : Array(real.prefix(limit - 1)) + [real[pooled]]
        }
    }

    /// The state before layer 0 of `batch` with `context` (`[n, width]` shared, or `[batch, n, width]`) after each
    /// row's start token; rows are truncated as described above.
    public static func begin(_ tower: CLIPTextTower, _ batch: TokenBatch, context: Tensor,
                             recordHiddenStates: Bool = false) -> TowerState {
        let n = context.shape[context.rank - 2], width = tower.config.hiddenSize
        let limit = tower.config.maxPositionEmbeddings - n
        precondition(limit >= 2, "PromptedText: \(n) context vectors leave no room for start and end tokens in \(tower.config.maxPositionEmbeddings) positions")
        precondition(batch.count > 0 && batch.ids.allSatisfy { !$0.isEmpty }, "PromptedText: empty batch or row")
        let real = rows(batch, limit: limit, tower: tower)
        let length = real.map(\.count).max() ?? 0
        let padded = real.map { $0 + [Int](repeating: $0.last ?? 0, count: length - $0.count) }
        let pool = real.map { row in tower.poolPositions([row])[0] }.map { $0 == 0 ? 0 : $0 + n }
        let mask = real.map { row in [Int](repeating: 1, count: 1 + n + row.count - 1) + [Int](repeating: 0, count: length - row.count) }

        let embedded = tower.embedTokens(padded)
        let shared = context.rank == 2 ? context.unsqueezed(axis: 0) : context
        let block = shared.shape[0] == batch.count ? shared : shared.expanded(to: [batch.count, n, width])
        var parts = [embedded.sliced(axis: 1, range: 0 ..< 1), block]
        if length > 1 { parts.append(embedded.sliced(axis: 1, range: 1 ..< length)) }
        return tower.begin(tokenEmbeddings: Tensor.concatenated(parts, axis: 1), poolPositions: pool, attentionMask: mask,
                           recordHiddenStates: recordHiddenStates)
    }

    /// A token batch from the text input a prompt-in-the-input method needs (token ids: its reach is layer 0).
    static func tokens(_ input: TowerInput, method: String) -> TokenBatch {
        guard case .tokens(let batch) = input else {
            preconditionFailure("\(method): the text tower needs token ids (its reach is layer 0), got \(input.kind)")
        }
        return batch
    }
}

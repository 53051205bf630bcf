import PEFTTensor

/// The running state of one tower between layers: what `begin` returns, `step` advances and `finish` pools.
///
/// A value type holding references to tensors (cheap to copy). Prompt methods edit it between layers through the
/// token helpers below, which keep the key-padding mask and the pooling positions consistent: inserting `n` tokens
/// at or before a row's pooled token (text: end-of-text; vision: class token at 0) moves that position by `n`.
public struct TowerState {
    /// The tower this state runs through.
    public let tower: TowerKind
    /// Residual stream `[batch, tokens, width]`: the input of layer `nextLayer`.
    public var hidden: Tensor
    /// Index of the next layer `step` will run (the number of layers already run when starting from 0).
    public var nextLayer: Int
    /// Key-padding mask `[batch][tokens]`, 1 = real token, 0 = padding; nil when every token is real.
    public var attentionMask: [[Int]]?
    /// Whether attention is causal (the text tower): token t sees tokens ≤ t only.
    public let isCausal: Bool
    /// Per batch row, the token `finish` pools (text: first end-of-text; vision: 0, the class token).
    public var poolPositions: [Int]
    /// When recording (`begin(…, recordHiddenStates: true)`): the input of the first layer run, then each layer's
    /// output, as transformers' `hidden_states` (its element 0 is the embeddings, or for vision the pre-LN output).
    public var hiddenStates: [Tensor]?
    /// Free scratch space for hooks and adapters, e.g. AdS-CLIP's text adapter states for the visual adapter.
    public var scratch: [String: Tensor] = [:]

    /// Creates a state; `poolPositions` and `attentionMask` (when given) must have one entry per batch row.
    public init(tower: TowerKind, hidden: Tensor, nextLayer: Int = 0, attentionMask: [[Int]]? = nil,
                isCausal: Bool, poolPositions: [Int], recordHiddenStates: Bool = false) {
        precondition(hidden.rank == 3, "TowerState: hidden must be [batch, tokens, width], got \(hidden.shape)")
        precondition(poolPositions.count == hidden.shape[0],
                     "TowerState: \(poolPositions.count) pool positions for batch \(hidden.shape[0])")
        precondition(poolPositions.allSatisfy { (0 ..< hidden.shape[1]).contains($0) },
                     "TowerState: pool positions \(poolPositions) outside 0..<\(hidden.shape[1])")
        if let mask = attentionMask {
            precondition(mask.count == hidden.shape[0] && mask.allSatisfy { $0.count == hidden.shape[1] },
                         "TowerState: attention mask \(mask.count)×\(mask.first?.count ?? 0) for hidden \(hidden.shape)")
        }
        self.tower = tower
        self.hidden = hidden
        self.nextLayer = nextLayer
        self.attentionMask = attentionMask
        self.isCausal = isCausal
        self.poolPositions = poolPositions
        hiddenStates = recordHiddenStates ? [hidden] : nil
    }

    /// Batch size.
    public var batchSize: Int { hidden.shape[0] }
    /// Current number of tokens (prompts included).
    public var length: Int { hidden.shape[1] }
    /// Residual width.
    public var width: Int { hidden.shape[2] }

    /// The additive attention mask for the current tokens: causal and/or key padding, `[1 or batch, 1, T, T]`
    /// (0 where attention is allowed, −∞ elsewhere); nil when neither applies.
    public func additiveMask() -> Tensor? {
        let causal = isCausal ? Tensor.causalMask(length: length) : nil
        let padding = attentionMask.flatMap { mask in mask.allSatisfy { !$0.contains(0) } ? nil : Tensor.paddingMask(mask) }
        switch (causal, padding) {
        case let (c?, p?): return c + p
        case let (c?, nil): return c
        case let (nil, p?): return p
        case (nil, nil): return nil
        }
    }

    /// Inserts `tokens` (`[batch, n, width]`, or `[1, n, width]`/`[n, width]` shared by all rows) before token
    /// `position` (0…length). The new tokens are unmasked; pool positions at or after `position` move by `n`.
    public mutating func insertTokens(_ tokens: Tensor, at position: Int) {
        let block = batched(tokens, op: "insertTokens")
        precondition((0 ... length).contains(position), "TowerState.insertTokens: position \(position) outside 0...\(length)")
        let n = block.shape[1]
        var parts: [Tensor] = []
        if position > 0 { parts.append(hidden.sliced(axis: 1, range: 0 ..< position)) }
        parts.append(block)
        if position < length { parts.append(hidden.sliced(axis: 1, range: position ..< length)) }
        hidden = parts.count == 1 ? parts[0] : Tensor.concatenated(parts, axis: 1)
        if var mask = attentionMask {
            for row in mask.indices { mask[row].insert(contentsOf: [Int](repeating: 1, count: n), at: position) }
            attentionMask = mask
        }
        poolPositions = poolPositions.map { $0 >= position ? $0 + n : $0 }
    }

    /// Replaces the `n` tokens starting at `position` with `tokens` (`[batch, n, width]` or shared `[1, n, width]`/
    /// `[n, width]`): MaPLe's and VPT-deep's per-layer prompts. Mask and pool positions are unchanged.
    public mutating func replaceTokens(at position: Int, with tokens: Tensor) {
        let block = batched(tokens, op: "replaceTokens")
        let n = block.shape[1]
        precondition(position >= 0 && position + n <= length,
                     "TowerState.replaceTokens: tokens \(position)..<\(position + n) outside 0..<\(length)")
        var parts: [Tensor] = []
        if position > 0 { parts.append(hidden.sliced(axis: 1, range: 0 ..< position)) }
        parts.append(block)
        if position + n < length { parts.append(hidden.sliced(axis: 1, range: position + n ..< length)) }
        hidden = parts.count == 1 ? parts[0] : Tensor.concatenated(parts, axis: 1)
    }

    /// Removes `count` tokens starting at `position`; pooled tokens may not be removed, later ones move back.
    public mutating func removeTokens(at position: Int, count: Int) {
        precondition(count > 0 && position >= 0 && position + count <= length,
                     "TowerState.removeTokens: tokens \(position)..<\(position + count) outside 0..<\(length)")
        precondition(!poolPositions.contains { (position ..< position + count).contains($0) },
                     "TowerState.removeTokens: tokens \(position)..<\(position + count) include pooled positions \(poolPositions)")
        var parts: [Tensor] = []
        if position > 0 { parts.append(hidden.sliced(axis: 1, range: 0 ..< position)) }
        if position + count < length { parts.append(hidden.sliced(axis: 1, range: position + count ..< length)) }
        hidden = parts.count == 1 ? parts[0] : Tensor.concatenated(parts, axis: 1)
        if var mask = attentionMask {
            for row in mask.indices { mask[row].removeSubrange(position ..< position + count) }
            attentionMask = mask
        }
        poolPositions = poolPositions.map { $0 >= position + count ? $0 - count : $0 }
    }

    /// `tokens` as `[batch, n, width]`, broadcasting a shared `[n, width]` or `[1, n, width]` block.
    private func batched(_ tokens: Tensor, op: String) -> Tensor {
        let block = tokens.rank == 2 ? tokens.unsqueezed(axis: 0) : tokens
        precondition(block.rank == 3 && block.shape[2] == width && (block.shape[0] == 1 || block.shape[0] == batchSize),
                     "TowerState.\(op): tokens \(tokens.shape) do not fit hidden \(hidden.shape)")
        return block.shape[0] == batchSize ? block : block.expanded(to: [batchSize, block.shape[1], width])
    }
}

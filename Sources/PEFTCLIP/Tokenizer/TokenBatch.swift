/// A padded batch of token ids with its attention mask, ready for the text tower.
public struct TokenBatch: Equatable, Sendable {
    /// How rows are padded.
    public enum Padding: Sendable {
        /// To the longest row of the batch (transformers' `padding=True`).
        case longest
        /// To the tokenizer's `maxLength` (transformers' `padding="max_length"`).
        case maxLength
    }

    /// `[batch][length]` token ids, padded.
    public var ids: [[Int]]
    /// `[batch][length]`, 1 for real tokens and 0 for padding.
    public var attentionMask: [[Int]]

    /// Rows in the batch.
    public var count: Int { ids.count }
    /// Padded row length (0 for an empty batch).
    public var length: Int { ids.first?.count ?? 0 }

    /// Pads `rows` (each already encoded with special tokens) with `padTokenId`.
    public init(rows: [[Int]], padding: Padding, maxLength: Int, padTokenId: Int) {
        let length = padding == .maxLength ? max(maxLength, rows.map(\.count).max() ?? 0) : rows.map(\.count).max() ?? 0
        ids = rows.map { $0 + [Int](repeating: padTokenId, count: length - $0.count) }
        attentionMask = rows.map { [Int](repeating: 1, count: $0.count) + [Int](repeating: 0, count: length - $0.count) }
    }

    /// A batch from explicit ids and mask (rows must all have the same length).
    public init(ids: [[Int]], attentionMask: [[Int]]) {
        precondition(ids.count == attentionMask.count && zip(ids, attentionMask).allSatisfy { $0.count == $1.count }
                     && Set(ids.map(\.count)).count <= 1,
                     "TokenBatch: ids \(ids.map(\.count)) and mask \(attentionMask.map(\.count)) must be rectangular and equal")
        self.ids = ids
        self.attentionMask = attentionMask
    }
}

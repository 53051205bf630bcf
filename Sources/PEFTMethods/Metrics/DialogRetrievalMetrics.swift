/// Dialog retrieval metrics beyond `RetrievalMetrics` (which ranks every candidate of the split, both types
/// together): the same recalls within each retrieval type (`image_t2i_r1` … `image_rsum`, `response_…`; `t2i` is
/// context → candidate, `i2t` candidate → context, as for images), and the rank of the target among itself and its
/// hard distractors (`distractor_r1`, `distractor_mrr`, per type `image_distractor_r1`; PhotoChat-style 4 + 1).
public struct DialogRetrievalMetrics: Sendable {
    static let recallNames = ["i2t_r1", "i2t_r5", "i2t_r10", "t2i_r1", "t2i_r5", "t2i_r10", "rsum"]

    public static let names: [String] = RetrievalType.allCases.flatMap { type in recallNames.map { "\(type.rawValue)_\($0)" } }
        + ["distractor_r1", "distractor_mrr"] + RetrievalType.allCases.map { "\($0.rawValue)_distractor_r1" }

    public init() {}

    /// Metrics of a split's embeddings `[n][d]` (candidates, queries), each row's type and, where measured, the
    /// 1-based rank of its target among itself and its distractors.
    public func compute(candidates: [[Float]], queries: [[Float]], types: [RetrievalType], distractorRanks: [Int])
        -> [String: Double] {
        precondition(candidates.count == types.count && queries.count == types.count,
                     "DialogRetrievalMetrics: \(types.count) types for \(candidates.count) candidates, \(queries.count) queries")
        var out: [String: Double] = [:]
        for type in RetrievalType.allCases {
            let rows = types.indices.filter { types[$0] == type }
            guard !rows.isEmpty else { continue }
            let metrics = RetrievalMetrics().compute(images: rows.map { candidates[$0] }, texts: rows.map { queries[$0] },
                                                     batchSize: rows.count)
            for name in Self.recallNames { out["\(type.rawValue)_\(name)"] = metrics[name] }
        }
        guard distractorRanks.count == types.count, !types.isEmpty else { return out }
        func recall(_ rows: [Int]) -> Double { Double(rows.filter { distractorRanks[$0] == 1 }.count) / Double(rows.count) }
        out["distractor_r1"] = recall(Array(types.indices))
        out["distractor_mrr"] = distractorRanks.map { 1 / Double($0) }.reduce(0, +) / Double(types.count)
        for type in RetrievalType.allCases {
            let rows = types.indices.filter { types[$0] == type }
            if !rows.isEmpty { out["\(type.rawValue)_distractor_r1"] = recall(rows) }
        }
        return out
    }

    /// Per row of a batch, the 1-based rank of the target (cosine similarity to the query) among itself and its
    /// distractors, ties counting against it: `candidates`, `queries` `[B, P]`, `distractors` `[B, K, P]`.
    public static func distractorRanks(candidates: [Float], queries: [Float], distractors: [Float], batch: Int, k: Int,
                                       width: Int) -> [Int] {
        func cosine(_ a: ArraySlice<Float>, _ b: ArraySlice<Float>) -> Float {
            let dot = zip(a, b).reduce(0) { $0 + $1.0 * $1.1 }
            let na = a.reduce(0) { $0 + $1 * $1 }.squareRoot(), nb = b.reduce(0) { $0 + $1 * $1 }.squareRoot()
            return na > 0 && nb > 0 ? dot / (na * nb) : 0
        }
        return (0 ..< batch).map { row in
            let query = queries[row * width ..< (row + 1) * width]
            let truth = cosine(candidates[row * width ..< (row + 1) * width], query)
            let start = row * k * width
            return 1 + (0 ..< k).filter { cosine(distractors[start + $0 * width ..< start + ($0 + 1) * width], query) >= truth }.count
        }
    }
}

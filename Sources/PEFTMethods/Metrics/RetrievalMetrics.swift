/// Recall@K and MRR of paired retrieval in both directions, from a similarity matrix whose row i's true item is
/// column i (image i ↔ text i): image→text ranks each row, text→image each column.
///
/// Ties count against the true item (its rank is 1 + the number of other candidates scoring at least as high), so a
/// constant model scores chance, never perfect. `rsum` is the sum of the six recalls, as PhotoChat papers report.
public struct RetrievalMetrics: Sendable {
    public static let names = ["i2t_r1", "i2t_r5", "i2t_r10", "t2i_r1", "t2i_r5", "t2i_r10", "rsum",
                               "i2t_mrr", "t2i_mrr", "batch_i2t_r1", "batch_t2i_r1"]

    public init() {}

    /// Metrics over one `[n, n]` similarity matrix (row-major).
    public func compute(similarity: [Float], count n: Int) -> [String: Double] {
        precondition(similarity.count == n * n, "RetrievalMetrics: \(similarity.count) scores for \(n)×\(n)")
        guard n > 0 else { return [:] }
        func ranks(_ score: (Int, Int) -> Float) -> [Int] {
            (0 ..< n).map { q in
                let truth = score(q, q)
                var rank = 1
                for c in 0 ..< n where c != q && score(q, c) >= truth { rank += 1 }
                return rank
            }
        }
        let i2t = ranks { similarity[$0 * n + $1] }
        let t2i = ranks { similarity[$1 * n + $0] }
        func recall(_ r: [Int], _ k: Int) -> Double { Double(r.filter { $0 <= k }.count) / Double(n) }
        func mrr(_ r: [Int]) -> Double { r.map { 1 / Double($0) }.reduce(0, +) / Double(n) }
        var out: [String: Double] = [:]
        for k in [1, 5, 10] {
            out["i2t_r\(k)"] = recall(i2t, k)
            out["t2i_r\(k)"] = recall(t2i, k)
        }
        out["rsum"] = [1, 5, 10].map { recall(i2t, $0) + recall(t2i, $0) }.reduce(0, +)
        out["i2t_mrr"] = mrr(i2t)
        out["t2i_mrr"] = mrr(t2i)
        return out
    }

    /// Whole-split metrics plus in-batch R@1 (mean over consecutive blocks of `batchSize` pairs), from embeddings
    /// `[n][d]` compared by cosine similarity.
    public func compute(images: [[Float]], texts: [[Float]], batchSize: Int) -> [String: Double] {
        precondition(images.count == texts.count, "RetrievalMetrics: \(images.count) images for \(texts.count) texts")
        let a = images.map(Self.normalized), b = texts.map(Self.normalized)
        func matrix(_ rows: Range<Int>) -> [Float] {
            rows.flatMap { i in rows.map { j in zip(a[i], b[j]).reduce(0) { $0 + $1.0 * $1.1 } } }
        }
        var out = compute(similarity: matrix(0 ..< a.count), count: a.count)
        var blocks: [(Double, Double, Int)] = []
        for start in stride(from: 0, to: a.count, by: Swift.max(1, batchSize)) {
            let rows = start ..< Swift.min(a.count, start + Swift.max(1, batchSize))
            let m = compute(similarity: matrix(rows), count: rows.count)
            blocks.append((m["i2t_r1"] ?? 0, m["t2i_r1"] ?? 0, rows.count))
        }
        let total = Double(blocks.reduce(0) { $0 + $1.2 })
        if total > 0 {
            out["batch_i2t_r1"] = blocks.reduce(0) { $0 + $1.0 * Double($1.2) } / total
            out["batch_t2i_r1"] = blocks.reduce(0) { $0 + $1.1 * Double($1.2) } / total
        }
        return out
    }

    static func normalized(_ v: [Float]) -> [Float] {
        let norm = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
        return norm > 0 ? v.map { $0 / norm } : v
    }
}

import PEFTMethods
import PEFTStore

/// Metrics recomputed from stored predictions with the same code the trainer evaluates with (PEFTMethods' metrics):
/// what lets a report show a metric old runs did not record, and the bootstrap resample examples.
enum RecomputedMetrics {
    /// Every metric of the predictions' task (not `loss`: per-example losses are not stored).
    static func compute(_ predictions: StoredPredictions) -> [String: Double] {
        switch predictions.values {
        case .classes, .scores: return compute(predictions, indices: Array(0 ..< predictions.count))
        case .embeddings(let images, let texts, let width, let batchSize):
            guard width > 0 else { return [:] }
            let rows = { (flat: [Float]) in stride(from: 0, to: flat.count, by: width).map { Array(flat[$0 ..< $0 + width]) } }
            return RetrievalMetrics().compute(images: rows(images), texts: rows(texts), batchSize: Swift.max(1, batchSize))
        }
    }

    /// Classification or regression metrics on the examples at `indices` (repeats allowed: a bootstrap resample).
    /// Empty for retrieval, whose metrics rank a whole gallery and do not resample per example.
    static func compute(_ predictions: StoredPredictions, indices: [Int]) -> [String: Double] {
        switch predictions.values {
        case .classes(let predicted, let targets, let classes):
            return ClassificationMetrics(classes: classes).compute(predictions: indices.map { Int(predicted[$0]) },
                                                                   targets: indices.map { Int(targets[$0]) })
        case .scores(let predicted, let targets):
            return RegressionMetrics().compute(predictions: indices.map { predicted[$0] }, targets: indices.map { targets[$0] })
        case .embeddings:
            return [:]
        }
    }
}

import Foundation
import PEFTData
import PEFTStore

/// One split of a dataset as dense per-example feature vectors with targets, read from `example_features`.
struct FeatureTable {
    var features: [[Float]]
    var labels: [Int]
    var scores: [Double]
    /// `examples.id` per row.
    var ids: [Int64] = []

    var count: Int { features.count }
    var dimension: Int { features.first?.count ?? 0 }

    /// Loads the `feature` rows of every example of `dataset` in `split` (ordered by example id).
    /// Sequences `[frames, dims]` are mean-pooled over frames.
    /// - Throws: `PermanentRunError` when the dataset or the feature is missing or shapes disagree.
    static func load(store: Store, dataset: String, split: String, feature: String) throws -> FeatureTable {
        try store.read { tx -> FeatureTable in
            var table = FeatureTable(features: [], labels: [], scores: [])
            try ExampleFeatureRecord.forEachLabelled(dataset: dataset, name: feature, split: split, in: tx) { row in
                let shape = (try? JSONDecoder().decode([Int].self, from: Data(row.shape.utf8))) ?? []
                let values = row.data.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
                guard let width = shape.last, width > 0, values.count == shape.reduce(1, *) else {
                    throw PermanentRunError("dataset '\(dataset)': feature '\(feature)' has shape \(row.shape) but \(values.count) values")
                }
                let frames = values.count / width
                var pooled = [Float](repeating: 0, count: width)
                for f in 0..<frames { for j in 0..<width { pooled[j] += values[f * width + j] / Float(frames) } }
                if let first = table.features.first, first.count != width {
                    throw PermanentRunError("dataset '\(dataset)': feature '\(feature)' is \(width)-wide in one example and \(first.count)-wide in another")
                }
                table.features.append(pooled)
                table.labels.append(row.label ?? -1)
                table.scores.append(row.score ?? .nan)
                table.ids.append(row.exampleID)
            }
            return table
        }
    }
}

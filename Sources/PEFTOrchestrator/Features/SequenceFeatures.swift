import Foundation
import PEFTStore

/// Unpooled per-example feature sequences (`example_features` rows, `[frames, dims]`), for methods that read them
/// frame by frame (MSE-Adapter's audio LSTM). `FeatureTable` is the mean-pooled view for linear probes.
struct SequenceFeatures {
    /// Frames and dims shared by every example.
    var frames: Int
    var dims: Int
    /// Example id → its `frames × dims` values, row-major.
    var values: [Int64: [Float]]

    /// The `feature` sequences of every example of `dataset`.
    /// - Throws: `PermanentRunError` when the feature is missing or its shapes differ between examples.
    static func load(store: Store, dataset: String, feature: String) throws -> SequenceFeatures {
        let out = try store.read { tx -> SequenceFeatures in
            var out = SequenceFeatures(frames: 0, dims: 0, values: [:])
            try ExampleFeatureRecord.forEachLabelled(dataset: dataset, name: feature, in: tx) { row in
                let shape = (try? JSONDecoder().decode([Int].self, from: Data(row.shape.utf8))) ?? []
                let values = row.data.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
                let dims = shape.last ?? 0, frames = shape.count >= 2 ? shape.dropLast().reduce(1, *) : 1
                guard dims > 0, values.count == frames * dims else {
                    throw PermanentRunError("dataset '\(dataset)': feature '\(feature)' has shape \(row.shape) but \(values.count) values")
                }
                if out.values.isEmpty {
                    (out.frames, out.dims) = (frames, dims)
                } else if (frames, dims) != (out.frames, out.dims) {
                    throw PermanentRunError("dataset '\(dataset)': feature '\(feature)' is [\(frames), \(dims)] in one example "
                                            + "and [\(out.frames), \(out.dims)] in another")
                }
                out.values[row.exampleID] = values
            }
            return out
        }
        guard !out.values.isEmpty else { throw PermanentRunError("dataset '\(dataset)' has no example feature '\(feature)'") }
        return out
    }
}

import Foundation
import GRDB
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
        let rows = try store.grdbRead { db in
            try Row.fetchAll(db, sql: """
                SELECT x.id, f.shape, f.data FROM examples x
                JOIN datasets d ON d.id = x.dataset_id
                JOIN example_features f ON f.example_id = x.id AND f.name = ?
                WHERE d.name = ? ORDER BY x.id
                """, arguments: [feature, dataset])
        }
        guard !rows.isEmpty else { throw PermanentRunError("dataset '\(dataset)' has no example feature '\(feature)'") }
        var out = SequenceFeatures(frames: 0, dims: 0, values: [:])
        for row in rows {
            let shapeText: String = row["shape"]
            let data: Data = row["data"]
            let shape = (try? JSONDecoder().decode([Int].self, from: Data(shapeText.utf8))) ?? []
            let values = data.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
            let dims = shape.last ?? 0, frames = shape.count >= 2 ? shape.dropLast().reduce(1, *) : 1
            guard dims > 0, values.count == frames * dims else {
                throw PermanentRunError("dataset '\(dataset)': feature '\(feature)' has shape \(shapeText) but \(values.count) values")
            }
            if out.values.isEmpty {
                (out.frames, out.dims) = (frames, dims)
            } else if (frames, dims) != (out.frames, out.dims) {
                throw PermanentRunError("dataset '\(dataset)': feature '\(feature)' is [\(frames), \(dims)] in one example "
                                        + "and [\(out.frames), \(out.dims)] in another")
            }
            out.values[row["id"]] = values
        }
        return out
    }
}

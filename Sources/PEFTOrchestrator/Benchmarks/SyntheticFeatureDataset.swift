import Foundation
import GRDB
import PEFTStore

/// Writes a small, deterministic, linearly separable feature dataset into a store (orchestrator tests and
/// `peftlab bench orchestrator`: training cost that is small and known, so the orchestrator's own cost shows).
///
/// Each example has a `features` row of `dimension` floats; the label is the sign of a fixed projection, so a
/// linear probe can reach high accuracy. Values depend only on `seed`.
public enum SyntheticFeatureDataset {
    public static func make(store: Store, name: String, train: Int = 240, val: Int = 60, test: Int = 60,
                            dimension: Int = 16, seed: UInt64 = 7) throws {
        var state = seed &* 0x9E37_79B9_7F4A_7C15 | 1
        func next() -> Float {
            state ^= state << 13; state ^= state >> 7; state ^= state << 17
            return Float(state >> 40) / Float(1 << 24) * 2 - 1
        }
        let direction = (0..<dimension).map { _ in next() }
        try store.grdbWrite { db in
            try db.execute(sql: "INSERT INTO datasets (name, task, created_at) VALUES (?, 'classification', 0)", arguments: [name])
            let datasetID = db.lastInsertedRowID
            var index = 0
            for (split, count) in [("train", train), ("val", val), ("test", test)] {
                for _ in 0..<count {
                    let x = (0..<dimension).map { _ in next() }
                    let label = zip(x, direction).map(*).reduce(0, +) > 0 ? 1 : 0
                    try db.execute(sql: """
                        INSERT INTO examples (dataset_id, source_key, split, text, label, score, created_at)
                        VALUES (?, ?, ?, ?, ?, ?, 0)
                        """, arguments: [datasetID, "ex\(index)", split, "example \(index)", label, Double(label) * 2 - 1])
                    let data = x.withUnsafeBufferPointer { Data(buffer: $0) }
                    try db.execute(sql: "INSERT INTO example_features (example_id, name, shape, data) VALUES (?, 'features', ?, ?)",
                                   arguments: [db.lastInsertedRowID, "[\(dimension)]", data])
                    index += 1
                }
            }
        }
    }
}

import Foundation
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
        var examples: [(split: String, features: [Float], label: Int)] = []
        for (split, count) in [("train", train), ("val", val), ("test", test)] {
            for _ in 0..<count {
                let x = (0..<dimension).map { _ in next() }
                examples.append((split, x, zip(x, direction).map(*).reduce(0, +) > 0 ? 1 : 0))
            }
        }
        try store.write { tx in
            let datasetID = try DatasetRecord.insert(name: name, task: "classification", now: 0, in: tx)
            for (index, example) in examples.enumerated() {
                let exampleID = try ExampleRow(datasetID: datasetID, sourceKey: "ex\(index)", split: example.split,
                                               text: "example \(index)", label: example.label,
                                               score: Double(example.label) * 2 - 1, createdAt: 0).insert(in: tx)
                try ExampleFeatureRecord(exampleID: exampleID, name: "features", shape: "[\(dimension)]",
                                         data: example.features.withUnsafeBufferPointer { Data(buffer: $0) })
                    .insert(in: tx)
            }
        }
    }
}

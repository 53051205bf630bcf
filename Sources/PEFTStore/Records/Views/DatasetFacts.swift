import Foundation

/// What queueing needs to know of a dataset before any run touches it: whether it exists, its image–text pairs in
/// the train split (for retrieval) and its largest label (for the size of a classification head).
public struct DatasetFacts: Sendable, Equatable {
    public var exists: Bool
    /// Train examples with both a caption and an image.
    public var trainPairs: Int
    /// The largest label of any example; nil when no example has one.
    public var maxLabel: Int?

    /// The facts of the dataset named `name` (all empty when there is none).
    public static func read(dataset name: String, in tx: any StoreTransaction) throws -> DatasetFacts {
        guard let row = try tx.row("""
            SELECT EXISTS (SELECT 1 FROM datasets WHERE name = ?) AS present,
                   (SELECT COUNT(*) FROM examples x JOIN datasets d ON d.id = x.dataset_id
                     WHERE d.name = ? AND x.split = 'train' AND x.text IS NOT NULL AND x.image_sha256 IS NOT NULL) AS train_pairs,
                   (SELECT MAX(x.label) FROM examples x JOIN datasets d ON d.id = x.dataset_id WHERE d.name = ?) AS max_label
            """, [name, name, name]) else {
            return DatasetFacts(exists: false, trainPairs: 0, maxLabel: nil)
        }
        return DatasetFacts(exists: try row["present"], trainPairs: try row["train_pairs"], maxLabel: try row["max_label"])
    }

    /// The shape of cached feature `feature` of one of the dataset's examples (e.g. `[512]`), or nil when no
    /// example of it has that feature.
    public static func featureShape(dataset name: String, feature: String, in tx: any StoreTransaction) throws -> [Int]? {
        guard let text = try tx.value(String.self, """
            SELECT f.shape FROM example_features f JOIN examples x ON x.id = f.example_id
            JOIN datasets d ON d.id = x.dataset_id WHERE d.name = ? AND f.name = ? LIMIT 1
            """, [name, feature]) else { return nil }
        return text.trimmingCharacters(in: CharacterSet(charactersIn: "[] ")).split(separator: ",")
            .compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
    }
}

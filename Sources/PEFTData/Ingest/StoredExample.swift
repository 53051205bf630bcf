import Foundation

/// What the database holds for an example whose id a manifest row repeats, to decide whether the row is the same
/// example again (a duplicate) or different content under a used id (quarantined).
struct StoredExample: Sendable {
    var split: String
    var text: String?
    var label: Int?
    var score: Double?
    var imageSHA256: String?
    var extraJSON: String?
    /// Feature name → (shape as stored, little-endian Float32 bytes).
    var features: [String: (shape: String, data: Data)]

    /// The parts of `row` that differ from what is stored, named for a message (empty when they all match).
    /// `files` is the row's images read and hashed, or nil when they could not be read (the images of a stored
    /// example live in the database, so a moved or deleted file is no conflict): then images are not compared.
    func differences(from row: ParsedRow, files: RowFiles?) -> [String] {
        var found: [String] = []
        if split != row.split { found.append("split") }
        if text != row.text { found.append("text") }
        if label != row.label { found.append("label") }
        if score != row.score { found.append("score") }
        if let files, imageSHA256 != files.main?.sha256 { found.append("image") }
        if files != nil || row.extraImages.isEmpty, extraJSON != Self.extraJSON(row, files: files) {
            found.append("other fields")
        }
        let given = Dictionary(row.features.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        if Set(given.keys) != Set(features.keys) || given.contains(where: { name, feature in
            features[name].map { $0.shape != Self.shape(feature.shape) || $0.data != IngestStore.float32Blob(feature.values) }
                ?? true
        }) {
            found.append("features")
        }
        return found
    }

    /// `examples.extra_json` for a row: its unmapped fields, with each extra image field's paths replaced by the
    /// images' SHA-256s; nil when there is nothing to keep.
    static func extraJSON(_ row: ParsedRow, files: RowFiles?) -> String? {
        var extra = row.extra
        for (name, list) in files?.extra ?? [] { extra[name] = .array(list.map { .string($0.sha256) }) }
        return extra.isEmpty ? nil : JSONValue.object(extra).canonical
    }

    /// `example_features.shape` for a feature shape.
    static func shape(_ dims: [Int]) -> String { "[" + dims.map(String.init).joined(separator: ",") + "]" }

    /// An id as quoted in a message: at most 60 characters.
    static func shown(_ key: String) -> String { key.count > 60 ? String(key.prefix(57)) + "..." : key }
}

/// Which manifest fields hold what. A mapped field must be present in every row (except `id`, which falls back
/// to a content hash, and `split`, which falls back to `train`); a row missing one is quarantined. Every unmapped
/// field is kept verbatim in the example's `extra_json`.
public struct FieldMapping: Sendable, Equatable {
    /// Stable row id (`examples.source_key`); absent → SHA-256 of the row's canonical JSON.
    public var id: String? = "id"
    /// Caption / utterance / dialogue text, tokenized with CLIP's BPE at ingest.
    public var text: String? = "text"
    /// Image path, relative to the image root after `imagePattern` is applied.
    public var image: String? = "image"
    /// Class index (non-negative integer, boolean, or a name listed in `labelNames`).
    public var label: String?
    /// Real-valued regression target.
    public var score: String?
    /// Split name (`train`, `val`, `test`, …).
    public var split: String? = "split"
    /// Extra modality feature sequences (`[frames][dims]` or flat arrays of numbers) → `example_features`.
    public var features: [String] = []
    /// Fields holding further image paths (one or a list), stored like the main image; their SHA-256s replace the
    /// paths in `extra_json` (e.g. retrieval distractors).
    public var extraImages: [String] = []
    /// Class names in index order, for manifests whose labels are strings.
    public var labelNames: [String]?
    /// How a field value becomes a file name: `{}` is replaced by the value (MMSD2.0 uses `{}.jpg`).
    public var imagePattern = "{}"

    /// The defaults: `id`, `text`, `image`, `split`; no label, score or features.
    public init() {}

    /// Defaults for a manifest layout: MMSD2.0 maps `image_id` to the id and to `<image_id>.jpg`, and `label`;
    /// PhotoChat maps `dialogue_id` to the id and `photo_id` to `<photo_id>.jpg`.
    public static func defaults(for format: ManifestFormat) -> FieldMapping {
        var mapping = FieldMapping()
        if format == .mmsd2 {
            mapping.id = "image_id"
            mapping.image = "image_id"
            mapping.imagePattern = "{}.jpg"
            mapping.label = "label"
        } else if format == .photochat {
            mapping.id = "dialogue_id"
            mapping.image = "photo_id"
            mapping.imagePattern = "{}.jpg"
        }
        return mapping
    }

    /// Every field name the mapping consumes (the rest goes to `extra_json`).
    var mappedNames: Set<String> {
        var names = Set([id, text, image, label, score, split].compactMap { $0 })
        names.formUnion(features)
        names.formUnion(extraImages)
        return names
    }

    /// A task hint for the dataset row: retrieval with extra images, classification with labels, regression with
    /// scores only.
    var task: String? {
        if !extraImages.isEmpty { return "retrieval" }
        if label != nil { return "classification" }
        if score != nil { return "regression" }
        return nil
    }
}

/// Which of CLIP's two encoders a layer, state or hook belongs to.
public enum TowerKind: String, Sendable, CaseIterable, Codable {
    /// The text transformer (`text_model.*`, `text_projection`).
    case text
    /// The vision transformer (`vision_model.*`, `visual_projection`).
    case vision

    /// Checkpoint key prefix of the tower's transformer: `text_model` or `vision_model`.
    public var modelPrefix: String { self == .text ? "text_model" : "vision_model" }
    /// Checkpoint key of the tower's projection: `text_projection` or `visual_projection`.
    public var projectionKey: String { self == .text ? "text_projection" : "visual_projection" }
}

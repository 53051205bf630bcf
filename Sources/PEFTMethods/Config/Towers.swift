import PEFTCLIP

/// Which CLIP towers a method adapts (`towers:` in a spec).
public enum Towers: String, Sendable, CaseIterable {
    case vision, text, both

    /// The towers selected.
    public var kinds: [TowerKind] {
        switch self {
        case .vision: return [.vision]
        case .text: return [.text]
        case .both: return [.text, .vision]
        }
    }

    /// Whether `tower` is selected.
    public func contains(_ tower: TowerKind) -> Bool { kinds.contains(tower) }

    /// The spec parameter, with the towers a method supports (a method with no text side lists only vision).
    public static func parameter(default value: Towers = .both, allowed: [Towers] = Towers.allCases) -> ParameterSpec {
        ParameterSpec("towers", .choice(allowed.map(\.rawValue)), default: .string(value.rawValue),
                      help: "Which towers to adapt: \(allowed.map(\.rawValue).joined(separator: ", ")).")
    }
}

/// Which encoder layers a method touches, as a spec writes it: `all`, `upper` or `lower` (half of the tower),
/// `N` or `N-M` (1-based, inclusive, as the papers count: "layers 7–12 of 12").
///
/// A range is resolved against a tower's depth with `indices(layers:)`; a range past the tower is an error the
/// spec validator reports at queue time (`LayerRange.check(layers:)`).
public enum LayerRange: Equatable, Sendable, CustomStringConvertible {
    case all
    /// The upper half: layers ⌊n/2⌋+1 … n (7–12 of 12).
    case upper
    /// The lower half: layers 1 … ⌊n/2⌋.
    case lower
    /// Layers `first` … `last`, 1-based inclusive.
    case span(first: Int, last: Int)

    /// Parses a spec value.
    public static func parse(_ text: String) -> Result<LayerRange, ParameterSpec.Problem> {
        let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
        switch trimmed {
        case "all": return .success(.all)
        case "upper": return .success(.upper)
        case "lower": return .success(.lower)
        default: break
        }
        let parts = trimmed.split(separator: "-", omittingEmptySubsequences: false).map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard (1...2).contains(parts.count), let first = parts.first ?? nil, let last = parts.last ?? nil else {
            return .failure(ParameterSpec.Problem("expected all, upper, lower, a layer N or a range N-M (1-based), got '\(text)'"))
        }
        guard first >= 1, last >= first, last <= 1_000 else {
            return .failure(ParameterSpec.Problem("layer range '\(text)' must satisfy 1 ≤ N ≤ M (layers count from 1)"))
        }
        return .success(.span(first: first, last: last))
    }

    /// Parses a value that has already passed validation (canonical configs); invalid text reads as `all`.
    public init(validated text: String) {
        self = (try? Self.parse(text).get()) ?? .all
    }

    public var description: String {
        switch self {
        case .all: return "all"
        case .upper: return "upper"
        case .lower: return "lower"
        case let .span(first, last): return first == last ? "\(first)" : "\(first)-\(last)"
        }
    }

    /// Why this range does not fit a tower of `layers` layers, or nil when it does.
    public func check(layers: Int) -> String? {
        if case let .span(_, last) = self, last > layers {
            return "layers \(description) are outside the backbone's \(layers) layers (1-\(layers))"
        }
        return nil
    }

    /// 0-based indices of the selected layers of a tower with `layers` layers (clamped to the tower).
    public func indices(layers: Int) -> [Int] {
        switch self {
        case .all: return Array(0 ..< layers)
        case .upper: return Array(layers / 2 ..< layers)
        case .lower: return Array(0 ..< layers / 2)
        case let .span(first, last): return Array((first - 1) ..< Swift.min(last, layers))
        }
    }
}

import Foundation

/// A configuration value: what YAML specs hold and what canonical run configs are made of.
///
/// Maps keep keys sorted when written as JSON, so equal configs always give equal text and equal hashes.
public indirect enum ConfigValue: Equatable, Sendable, CustomStringConvertible {
    case string(String)
    case int(Int)
    case double(Double)
    case bool(Bool)
    case list([ConfigValue])
    case map([String: ConfigValue])
    case null

    /// Canonical JSON: sorted keys, no spaces, shortest round-trip numbers.
    public var canonicalJSON: String {
        switch self {
        case .string(let s): return Self.quote(s)
        case .int(let i): return String(i)
        case .double(let d):
            if d.isFinite && d == d.rounded() && abs(d) < 1e15 { return String(format: "%.1f", d) }
            return d.isFinite ? "\(d)" : "null"
        case .bool(let b): return b ? "true" : "false"
        case .null: return "null"
        case .list(let items): return "[" + items.map(\.canonicalJSON).joined(separator: ",") + "]"
        case .map(let m):
            return "{" + m.keys.sorted().map { Self.quote($0) + ":" + m[$0]!.canonicalJSON }.joined(separator: ",") + "}"
        }
    }

    /// Short human form for tables and error messages.
    public var description: String {
        switch self {
        case .string(let s): return s
        case .int(let i): return String(i)
        case .double(let d): return "\(d)"
        case .bool(let b): return String(b)
        case .null: return "null"
        case .list(let items): return "[" + items.map(\.description).joined(separator: ", ") + "]"
        case .map: return canonicalJSON
        }
    }

    /// The value at a dotted path (`method.rank`) inside nested maps.
    public subscript(path path: String) -> ConfigValue? {
        var node = self
        for part in path.split(separator: ".") {
            guard case .map(let m) = node, let next = m[String(part)] else { return nil }
            node = next
        }
        return node
    }

    /// Sets the value at a dotted path, creating intermediate maps.
    public mutating func set(path: String, to value: ConfigValue) {
        let parts = path.split(separator: ".").map(String.init)
        self = Self.setting(self, parts[...], value)
    }

    private static func setting(_ node: ConfigValue, _ parts: ArraySlice<String>, _ value: ConfigValue) -> ConfigValue {
        guard let head = parts.first else { return value }
        var map: [String: ConfigValue] = [:]
        if case .map(let m) = node { map = m }
        map[head] = setting(map[head] ?? .null, parts.dropFirst(), value)
        return .map(map)
    }

    public var stringValue: String? { if case .string(let s) = self { return s }; return nil }
    public var intValue: Int? { if case .int(let i) = self { return i }; return nil }
    /// Integers read as doubles too (YAML `lr: 1` means 1.0).
    public var doubleValue: Double? {
        switch self {
        case .double(let d): return d
        case .int(let i): return Double(i)
        default: return nil
        }
    }
    public var boolValue: Bool? { if case .bool(let b) = self { return b }; return nil }

    /// Parses JSON text (e.g. a run's `config_json`) into a value.
    public static func parseJSON(_ text: String) throws -> ConfigValue {
        try JSONDecoder().decode(ConfigValue.self, from: Data(text.utf8))
    }

    static func quote(_ s: String) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        return (try? encoder.encode(s)).map { String(decoding: $0, as: UTF8.self) } ?? "\"\""
    }
}

extension ConfigValue: Decodable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() { self = .null }
        else if let b = try? container.decode(Bool.self) { self = .bool(b) }
        else if let i = try? container.decode(Int.self) { self = .int(i) }
        else if let d = try? container.decode(Double.self) { self = .double(d) }
        else if let s = try? container.decode(String.self) { self = .string(s) }
        else if let l = try? container.decode([ConfigValue].self) { self = .list(l) }
        else { self = .map(try container.decode([String: ConfigValue].self)) }
    }
}

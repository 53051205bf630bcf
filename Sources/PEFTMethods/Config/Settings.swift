/// Typed reads of one config section (`method:`, `head:`, `train:`) with its parameter specs as the only source
/// of defaults: a canonical run config has every value filled in, and a hand-built one falls back to the spec.
public struct Settings: Sendable {
    /// The section's values (a `.map`).
    public let values: ConfigValue
    /// The section's parameters.
    public let parameters: [ParameterSpec]

    public init(_ values: ConfigValue?, parameters: [ParameterSpec]) {
        self.values = values ?? .map([:])
        self.parameters = parameters
    }

    /// The value of `name`, or its declared default.
    public subscript(name: String) -> ConfigValue {
        if case .map(let map) = values, let value = map[name], value != .null { return value }
        guard let spec = parameters.first(where: { $0.name == name }) else {
            preconditionFailure("Settings: '\(name)' is not a declared parameter (\(parameters.map(\.name)))")
        }
        return spec.defaultValue
    }

    public func int(_ name: String) -> Int { self[name].intValue ?? 0 }
    public func double(_ name: String) -> Double { self[name].doubleValue ?? 0 }
    public func bool(_ name: String) -> Bool { self[name].boolValue ?? false }
    public func string(_ name: String) -> String { self[name].stringValue ?? self[name].description }
    public func strings(_ name: String) -> [String] {
        if case .list(let items) = self[name] { return items.compactMap(\.stringValue) }
        return self[name].stringValue.map { [$0] } ?? []
    }
    public func layers(_ name: String = "layers") -> LayerRange { LayerRange(validated: string(name)) }
    public func towers(_ name: String = "towers") -> Towers { Towers(rawValue: string(name)) ?? .both }
}

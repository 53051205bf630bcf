/// One hyper-parameter a spec may set: its type, allowed values, default and help text.
public struct ParameterSpec: Sendable {
    /// What values are allowed.
    public enum Kind: Sendable {
        /// An integer in min...max (the upper bound keeps step counts and sizes from overflowing).
        case int(min: Int, max: Int = 1_000_000)
        /// A real number ≥ min (> min when `exclusive`) and ≤ max.
        case number(min: Double, exclusive: Bool, max: Double = 1e6)
        case bool
        case choice([String])
        /// A list of names, each one of `choices`.
        case choiceList([String])
        case string
        /// Encoder layers: `all`, `upper` / `lower` (half), `N` or `N-M`, 1-based inclusive as papers count them.
        case layerRange
    }

    public var name: String
    public var kind: Kind
    public var defaultValue: ConfigValue
    public var help: String

    /// A parameter; `defaultValue` is its one default (specs and typed settings both read it from here).
    public init(_ name: String, _ kind: Kind, default defaultValue: ConfigValue, help: String) {
        self.name = name
        self.kind = kind
        self.defaultValue = defaultValue
        self.help = help
    }

    /// The value in canonical form (integers given for numbers become doubles), or a message saying what is wrong.
    public func check(_ value: ConfigValue) -> Result<ConfigValue, Problem> {
        switch kind {
        case .int(let min, let max):
            guard let i = value.intValue else { return .failure(Problem("expected an integer, got \(Self.show(value))")) }
            if i < min { return .failure(Problem("must be ≥ \(min) (got \(i))")) }
            return i <= max ? .success(value) : .failure(Problem("must be ≤ \(max) (got \(i))"))
        case .number(let min, let exclusive, let max):
            guard let d = value.doubleValue, d.isFinite else {
                return .failure(Problem("expected a finite number, got \(Self.show(value))"))
            }
            let ok = exclusive ? d > min : d >= min
            if !ok { return .failure(Problem("must be \(exclusive ? ">" : "≥") \(min) (got \(d))")) }
            return d <= max ? .success(.double(d)) : .failure(Problem("must be ≤ \(max) (got \(d))"))
        case .bool:
            return value.boolValue != nil ? .success(value) : .failure(Problem("expected true or false, got \(Self.show(value))"))
        case .choice(let choices):
            guard let s = value.stringValue, choices.contains(s) else {
                return .failure(Problem("expected one of \(choices.joined(separator: ", ")), got \(Self.show(value))"))
            }
            return .success(value)
        case .choiceList(let choices):
            guard case .list(let items) = value, !items.isEmpty else {
                return .failure(Problem("expected a non-empty list of \(choices.joined(separator: ", ")), got \(Self.show(value))"))
            }
            for item in items where !(item.stringValue.map(choices.contains) ?? false) {
                return .failure(Problem("expected each of \(choices.joined(separator: ", ")), got \(Self.show(item))"))
            }
            return .success(value)
        case .string:
            return value.stringValue != nil ? .success(value) : .failure(Problem("expected a string, got \(Self.show(value))"))
        case .layerRange:
            guard let text = value.stringValue ?? value.intValue.map(String.init) else {
                return .failure(Problem("expected all, upper, lower, a layer N or a range N-M (1-based), got \(Self.show(value))"))
            }
            switch LayerRange.parse(text) {
            case .success(let range): return .success(.string(range.description))
            case .failure(let problem): return .failure(problem)
            }
        }
    }

    /// Why a value was rejected.
    public struct Problem: Error, Sendable {
        public var message: String
        public init(_ message: String) { self.message = message }
    }

    static func show(_ value: ConfigValue) -> String {
        switch value {
        case .string(let s): return "'\(s)'"
        case .list, .map: return value.canonicalJSON
        default: return value.description
        }
    }
}

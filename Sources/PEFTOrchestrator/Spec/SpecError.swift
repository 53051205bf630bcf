/// A problem in an experiment spec, located at file:line and key.
public struct SpecError: Error, CustomStringConvertible, Equatable, Sendable {
    public var file: String
    /// 1-based line, when known (0 or nil: none, e.g. a `--set` override).
    public var line: Int?
    /// Dotted key path the problem is at (`method.rank`, `grid.train.lr`), when one.
    public var key: String?
    public var message: String

    public init(file: String, line: Int?, key: String?, message: String) {
        self.file = file
        self.line = line
        self.key = key
        self.message = message
    }

    /// `experiments/x.yaml:12: key 'method.rank': expected an integer, got 'abc'`.
    public var description: String {
        var out = file
        if let line, line > 0 { out += ":\(line)" }
        out += ": "
        if let key { out += "key '\(key)': " }
        return out + message
    }
}

/// All problems found in one or more spec files (nothing is queued when there is any).
public struct SpecErrors: Error, CustomStringConvertible, Sendable {
    public var errors: [SpecError]

    public init(errors: [SpecError]) { self.errors = errors }

    public var description: String {
        errors.map(\.description).joined(separator: "\n")
    }
}

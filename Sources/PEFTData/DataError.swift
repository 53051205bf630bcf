/// Errors from PEFTData's file, configuration and manifest handling. Each `description` is one sentence naming the
/// file (and line or field where there is one), what was expected and what was found.
public enum DataError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A file could not be read or written.
    case io(path: String, reason: String)
    /// A configuration file has a bad or missing field.
    case badConfig(path: String, field: String, expected: String, found: String)
    /// A manifest cannot be parsed at all (as opposed to a bad row, which is quarantined).
    case badManifest(path: String, line: Int, reason: String)
    /// A command-line or API argument is out of range.
    case badArgument(name: String, expected: String, found: String)
    /// A named dataset or generator does not exist.
    case unknownDataset(name: String, known: [String])

    public var description: String {
        switch self {
        case .io(let path, let reason):
            return "\(path): \(reason)"
        case .badConfig(let path, let field, let expected, let found):
            return "\(path): field '\(field)' must be \(expected) (found \(found))"
        case .badManifest(let path, let line, let reason):
            return "\(path):\(line): \(reason)"
        case .badArgument(let name, let expected, let found):
            return "argument '\(name)' must be \(expected) (found \(found))"
        case .unknownDataset(let name, let known):
            return "unknown dataset '\(name)': expected one of \(known.joined(separator: ", "))"
        }
    }
}

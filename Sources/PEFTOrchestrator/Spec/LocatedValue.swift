import Foundation
import Yams
import PEFTMethods

/// A YAML value with the line it came from, so validation errors can say file:line.
struct LocatedValue {
    enum Kind {
        case scalar(ConfigValue)
        case list([LocatedValue])
        /// Entries in document order.
        case map([Entry])
    }

    /// One `key: value` pair of a mapping.
    struct Entry {
        var key: String
        var line: Int
        var value: LocatedValue
    }

    var kind: Kind
    var line: Int
    /// The spec file this value was read from (values merged from a `base:` spec keep their own file).
    var file: String

    /// Parses YAML text; syntax errors, duplicate keys and documents past `YAMLSizeGuard`'s limits (alias bombs)
    /// become a `SpecError` at their line.
    static func parse(yaml: String, file: String) throws(SpecErrors) -> LocatedValue {
        if let excess = YAMLSizeGuard.check(yaml) {
            throw SpecErrors(errors: [SpecError(file: file, line: excess.line, key: nil, message: excess.message)])
        }
        let node: Node?
        do {
            node = try Yams.compose(yaml: yaml)
        } catch let error as YamlError {
            throw SpecErrors(errors: [Self.describe(error, file: file, yaml: yaml)])
        } catch {
            throw SpecErrors(errors: [SpecError(file: file, line: nil, key: nil, message: "cannot read YAML: \(error)")])
        }
        guard let node else {
            throw SpecErrors(errors: [SpecError(file: file, line: 1, key: nil, message: "the file is empty")])
        }
        return convert(node, file: file)
    }

    /// The entry for `key` in a mapping.
    func entry(_ key: String) -> Entry? {
        guard case .map(let entries) = kind else { return nil }
        return entries.first { $0.key == key }
    }

    /// `self` with `override`'s entries laid over it: maps merge key by key, anything else is replaced.
    func merged(with override: LocatedValue) -> LocatedValue {
        guard case .map(var mine) = kind, case .map(let theirs) = override.kind else { return override }
        for entry in theirs {
            if let i = mine.firstIndex(where: { $0.key == entry.key }) {
                mine[i] = Entry(key: entry.key, line: entry.line, value: mine[i].value.merged(with: entry.value))
            } else {
                mine.append(entry)
            }
        }
        return LocatedValue(kind: .map(mine), line: override.line, file: override.file)
    }

    /// Plain values, dropping locations.
    var plain: ConfigValue {
        switch kind {
        case .scalar(let v): return v
        case .list(let items): return .list(items.map(\.plain))
        case .map(let entries): return .map(Dictionary(entries.map { ($0.key, $0.value.plain) }, uniquingKeysWith: { a, _ in a }))
        }
    }

    /// What kind of YAML value this is, for error messages.
    var typeName: String {
        switch kind {
        case .scalar(let v):
            switch v {
            case .string: return "a string"
            case .int: return "an integer"
            case .double: return "a number"
            case .bool: return "a boolean"
            case .null: return "null"
            default: return "a value"
            }
        case .list: return "a list"
        case .map: return "a mapping"
        }
    }

    private static func convert(_ node: Node, file: String) -> LocatedValue {
        let line = node.mark?.line ?? 0
        switch node {
        case .scalar(let scalar):
            return LocatedValue(kind: .scalar(typed(scalar, tag: Tag.Name(rawValue: node.tag.rawValue), node: node)), line: line, file: file)
        case .sequence(let sequence):
            return LocatedValue(kind: .list(sequence.map { convert($0, file: file) }), line: line, file: file)
        case .mapping(let mapping):
            // Yams rejects duplicate keys while parsing, so keys here are unique.
            let entries = mapping.map { keyNode, valueNode in
                Entry(key: keyNode.string ?? "\(keyNode)", line: keyNode.mark?.line ?? line, value: convert(valueNode, file: file))
            }
            return LocatedValue(kind: .map(entries), line: line, file: file)
        case .alias:
            return LocatedValue(kind: .scalar(.null), line: line, file: file)
        }
    }

    /// Resolves a plain scalar to int/float/bool/null as YAML does; plain `1e-3` also reads as a number.
    private static func typed(_ scalar: Node.Scalar, tag: Tag.Name, node: Node) -> ConfigValue {
        if scalar.style != .plain { return .string(scalar.string) }
        switch tag {
        case .int: if let i = node.int { return .int(i) }
        case .float: if let d = node.float { return .double(d) }
        case .bool: if let b = node.bool { return .bool(b) }
        case .null: return .null
        default: break
        }
        if let d = Double(scalar.string), scalar.string.contains(where: { $0 == "e" || $0 == "E" }) { return .double(d) }
        return .string(scalar.string)
    }

    private static func describe(_ error: YamlError, file: String, yaml: String) -> SpecError {
        switch error {
        case .duplicatedKeysInMapping(let duplicates, let context):
            // Yams marks the mapping; point at the key's second occurrence instead.
            let key = duplicates.sorted().first ?? ""
            let lines = yaml.split(separator: "\n", omittingEmptySubsequences: false)
            let hits = lines.indices.filter { lines[$0].trimmingCharacters(in: .whitespaces).hasPrefix("\(key):") }
            return SpecError(file: file, line: hits.count > 1 ? hits[1] + 1 : context.mark.line,
                             key: SpecKey.printable(key), message: "duplicate key")
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _),
             .composer(_, let problem, let mark, _):
            return SpecError(file: file, line: mark.line, key: nil, message: "invalid YAML: \(problem)")
        case .reader(let problem, _, _, _):
            return SpecError(file: file, line: nil, key: nil, message: "invalid YAML: \(problem)")
        default:
            // Other cases' descriptions quote the document; a message must never repeat a file's contents.
            return SpecError(file: file, line: nil, key: nil, message: "invalid YAML")
        }
    }
}

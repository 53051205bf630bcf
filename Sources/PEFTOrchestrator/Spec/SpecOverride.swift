import Foundation
import PEFTMethods

/// One `peftlab queue --set KEY=VALUE` override (Hydra-style): a dotted key of a spec and a YAML value, laid over
/// the spec after `base:` inheritance and before validation, so a grid runs on other data or a real backbone
/// without editing its file (`--set dataset=mmsd2 --set backbone=~/clip-b32 --set train.epochs=1 --set seeds=[1]`).
///
/// `KEY` is a top-level key (`dataset`, `backbone`, `seeds`, `name`, …), a section setting (`method.bottleneck`,
/// `train.lr`, `head.fusion`) or a grid axis (`grid.train.lr=[1e-3, 3e-3]`). The value replaces what the spec
/// wrote there. A setting that is also a grid axis is fixed to the one value (or, given a list, takes the list as
/// its values), and include entries that set it get the value too, so `--set train.epochs=1` holds for every run.
/// Problems are reported at the override (`experiments/x.yaml --set train.epochs=0: key 'train.epochs': …`).
public struct SpecOverride: Sendable, Equatable {
    /// The dotted key, as written before `=`.
    public var key: String
    /// The value's YAML text, as written after `=`.
    public var value: String

    public init(key: String, value: String) {
        self.key = key
        self.value = value
    }

    /// `KEY=VALUE` split at the first `=`.
    /// - Throws: `SpecErrors` when there is no `=`, or the key or the value is empty.
    public static func parse(_ argument: String) throws(SpecErrors) -> SpecOverride {
        guard let equals = argument.firstIndex(of: "=") else {
            throw SpecErrors(errors: [SpecError(file: "--set \(argument)", line: nil, key: nil,
                                                message: "expected KEY=VALUE, e.g. --set train.epochs=1")])
        }
        let key = argument[..<equals].trimmingCharacters(in: .whitespaces)
        let value = String(argument[argument.index(after: equals)...])
        guard !key.isEmpty, !value.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw SpecErrors(errors: [SpecError(file: "--set \(argument)", line: nil, key: nil,
                                                message: "expected KEY=VALUE with a key and a value, e.g. --set seeds=[1]")])
        }
        return SpecOverride(key: key, value: value)
    }

    /// How errors about this override name it, for a spec read from `file`.
    func label(in file: String) -> String { "\(file) --set \(key)=\(value)" }
}

extension SpecOverride {
    /// Sections whose settings an override may name as `section.setting`.
    static let sections: Set<String> = ["method", "train", "head"]

    /// `root` (a whole spec, after inheritance) with `overrides` applied in order.
    /// - Throws: `SpecErrors` naming each override whose key is not one a spec has or whose value is not YAML.
    static func apply(_ overrides: [SpecOverride], to root: LocatedValue, file: String) throws(SpecErrors) -> LocatedValue {
        var root = root
        var problems: [SpecError] = []
        for override in overrides {
            do { root = try override.apply(to: root, file: file) } catch { problems += error.errors }
        }
        if !problems.isEmpty { throw SpecErrors(errors: problems) }
        return root
    }

    private func apply(to root: LocatedValue, file: String) throws(SpecErrors) -> LocatedValue {
        let label = label(in: file)
        func failure(_ message: String) -> SpecErrors {
            SpecErrors(errors: [SpecError(file: label, line: nil, key: SpecKey.printable(key), message: message)])
        }
        guard case .map(var entries) = root.kind else { return root }
        let parts = key.split(separator: ".", maxSplits: 1).map(String.init)
        let head = parts[0], rest = parts.count > 1 ? parts[1] : nil
        guard ExperimentSpec.topLevelKeys.contains(head), head != "base" else {
            throw failure(head == "base" ? "`base:` cannot be overridden (overrides apply after inheritance)"
                          : "unknown key; expected one of \(ExperimentSpec.topLevelKeys.filter { $0 != "base" }.joined(separator: ", "))")
        }
        var value = try parsedValue(label: label)
        if key == "backbone", case .scalar(.string(let path)) = value.kind, path == "~" || path.hasPrefix("~/") {
            value.kind = .scalar(.string(NSString(string: path).expandingTildeInPath))
        }
        func entry(_ name: String, _ value: LocatedValue) -> LocatedValue.Entry { LocatedValue.Entry(key: name, line: 0, value: value) }
        func setEntry(_ name: String, _ value: LocatedValue, in list: inout [LocatedValue.Entry]) {
            if let i = list.firstIndex(where: { $0.key == name }) { list[i].value = value; list[i].line = 0 } else { list.append(entry(name, value)) }
        }
        func map(_ items: [LocatedValue.Entry]) -> LocatedValue { LocatedValue(kind: .map(items), line: 0, file: label) }

        let axes: [LocatedValue.Entry]
        if let grid = entries.first(where: { $0.key == "grid" }) {
            guard case .map(let existing) = grid.value.kind else { throw failure("the spec's `grid:` is not a mapping of axes") }
            axes = existing
        } else {
            axes = []
        }
        let isList: Bool
        if case .list = value.kind { isList = true } else { isList = false }
        // A list for a key the grid sweeps is the axis's new values, not a base setting.
        let onlyTheAxis = isList && head != "grid" && axes.contains { $0.key == key }

        switch (head, rest) {
        case ("grid", let axis?):
            var edited = axes
            setEntry(axis, value, in: &edited)
            setEntry("grid", map(edited), in: &entries)
        case (_, nil):
            if !onlyTheAxis { setEntry(head, value, in: &entries) }
        case (let section, let setting?) where Self.sections.contains(section):
            guard !onlyTheAxis else { break }
            var settings: [LocatedValue.Entry] = []
            if let current = entries.first(where: { $0.key == section }) {
                switch current.value.kind {
                case .map(let existing): settings = existing
                case .scalar(.string) where section == "method": settings = [entry("name", current.value)]
                default: throw failure("the spec's `\(section):` is not a mapping of settings")
                }
            }
            setEntry(setting, value, in: &settings)
            setEntry(section, map(settings), in: &entries)
        default:
            throw failure("'\(head)' has no settings; use \(Self.sections.sorted().map { "\($0).<setting>" }.joined(separator: ", ")) or grid.<axis>")
        }
        guard head != "grid" else { return LocatedValue(kind: .map(entries), line: root.line, file: root.file) }
        // The grid axis of the same key takes the value as its only value (or the list as its values) ...
        if let a = axes.firstIndex(where: { $0.key == key }), let g = entries.firstIndex(where: { $0.key == "grid" }) {
            var edited = axes
            edited[a].value = isList ? value : LocatedValue(kind: .list([value]), line: 0, file: label)
            edited[a].line = 0
            entries[g].value = map(edited)
        }
        // ... and include entries setting the key get it too.
        if !isList, let i = entries.firstIndex(where: { $0.key == "include" }), case .list(var points) = entries[i].value.kind {
            for p in points.indices {
                guard case .map(var pairs) = points[p].kind, let j = pairs.firstIndex(where: { $0.key == key }) else { continue }
                pairs[j].value = value
                pairs[j].line = 0
                points[p].kind = .map(pairs)
            }
            entries[i].value.kind = .list(points)
        }
        return LocatedValue(kind: .map(entries), line: root.line, file: root.file)
    }

    /// The value text parsed as YAML, located at the override.
    private func parsedValue(label: String) throws(SpecErrors) -> LocatedValue {
        do {
            var value = try LocatedValue.parse(yaml: value, file: label)
            value.relocate(file: label)
            return value
        } catch {
            throw SpecErrors(errors: error.errors.map { SpecError(file: label, line: nil, key: SpecKey.printable(key), message: $0.message) })
        }
    }
}

extension LocatedValue {
    /// This value and everything in it marked as coming from `file`, line 0 (an override has no lines).
    mutating func relocate(file: String) {
        self.file = file
        line = 0
        switch kind {
        case .scalar: break
        case .list(var items):
            for i in items.indices { items[i].relocate(file: file) }
            kind = .list(items)
        case .map(var entries):
            for i in entries.indices { entries[i].line = 0; entries[i].value.relocate(file: file) }
            kind = .map(entries)
        }
    }
}

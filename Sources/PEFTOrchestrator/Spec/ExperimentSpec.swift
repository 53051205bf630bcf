import Foundation
import PEFTMethods

/// A validated experiment spec (experiments/*.yaml): a base configuration, a grid, seeds and ablation edits.
///
/// ```yaml
/// name: sarcasm-probe
/// base: common.yaml            # optional: inherit keys from another spec (this file wins)
/// dataset: sarcasm
/// task: classification
/// method: {name: linear-probe, feature: audio}
/// train: {epochs: 5, batch_size: 32, lr: 1e-3}
/// grid: {train.lr: [1e-3, 3e-3], method.l2: [0, 1e-4]}   # cartesian product
/// seeds: [1, 2, 3]
/// include: [{train.lr: 1e-2, method.l2: 0}]                # extra points outside the product
/// exclude: [{train.lr: 3e-3, method.l2: 1e-4}]             # points removed from the product
/// ```
///
/// A grid axis or an include entry may set `method.name` to train another method: its point then starts from
/// that method's own section (`methodSections`): the base method's explicitly written settings that the other
/// method also has, its defaults for the rest, nothing of the settings only the base method has; the point's
/// `method.*` keys are checked against the method they set.
public struct ExperimentSpec: Sendable {
    public var name: String
    public var file: String
    /// This file's YAML text, as stored in `experiments.yaml`.
    public var yaml: String
    /// Base configuration with defaults filled (without seed).
    public var base: ConfigValue
    /// Grid axes in spec order: dotted key → values.
    public var grid: [(key: String, values: [ConfigValue])]
    public var seeds: [Int]
    public var include: [[String: ConfigValue]]
    public var exclude: [[String: ConfigValue]]
    /// Where each dotted key was written, for errors found later (e.g. an unknown dataset at queue time).
    public var locations: [String: (file: String, line: Int)]
    /// The canonical `method:` section of each method a grid axis or include entry switches to with `method.name`.
    public var methodSections: [String: ConfigValue] = [:]

    static let topLevelKeys = ["name", "description", "base", "dataset", "backbone", "task", "method", "train", "head",
                               "grid", "seeds", "include", "exclude", "target_metric"]

    /// Reads and validates a spec file, following `base:` links, with `overrides` (`--set`) laid over it.
    /// - Throws: `SpecErrors` listing every problem found, each with file, line and key (or the override).
    public static func load(path: String, registry: MethodRegistry = .standard,
                            overrides: [SpecOverride] = []) throws(SpecErrors) -> ExperimentSpec {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw SpecErrors(errors: [SpecError(file: path, line: nil, key: nil,
                                                message: "cannot read the file: \(SpecPath.whyUnreadable(path))")])
        }
        return try parse(yaml: text, file: path, registry: registry, overrides: overrides)
    }

    /// Validates spec text read from `file` (used for messages and to resolve `base:`), with `overrides` applied
    /// after inheritance; the stored YAML then ends with one `# --set KEY=VALUE` comment line per override.
    public static func parse(yaml: String, file: String, registry: MethodRegistry = .standard,
                             overrides: [SpecOverride] = []) throws(SpecErrors) -> ExperimentSpec {
        var chain: [String] = []
        var root = try resolveBase(LocatedValue.parse(yaml: yaml, file: file), file: file, chain: &chain)
        if !overrides.isEmpty { root = try SpecOverride.apply(overrides, to: root, file: file) }
        var validator = SpecValidator(registry: registry, file: file)
        let recorded = overrides.isEmpty ? yaml
            : (yaml.hasSuffix("\n") ? yaml : yaml + "\n") + overrides.map { "# --set \($0.key)=\($0.value)".replacingOccurrences(of: "\n", with: " ") + "\n" }.joined()
        let spec = validator.validate(root, yaml: recorded)
        if !validator.problems.isEmpty { throw SpecErrors(errors: validator.problems) }
        guard let spec else { throw SpecErrors(errors: [SpecError(file: file, line: nil, key: nil, message: "invalid spec")]) }
        return spec
    }

    /// Lays this spec over the one its `base:` names (recursively); `grid`, `seeds`, `include` and `exclude`
    /// are never inherited, so a base cannot silently multiply runs.
    private static func resolveBase(_ value: LocatedValue, file: String, chain: inout [String]) throws(SpecErrors) -> LocatedValue {
        guard let entry = value.entry("base") else { return value }
        guard case .scalar(.string(let relative)) = entry.value.kind else {
            throw SpecErrors(errors: [SpecError(file: file, line: entry.line, key: "base",
                                                message: "expected the path of another spec file")])
        }
        let basePath = SpecPath.base(relative, namedIn: file)
        if chain.contains(basePath) || basePath == SpecPath.canonical(file) {
            throw SpecErrors(errors: [SpecError(file: file, line: entry.line, key: "base",
                                                message: "inheritance cycle through '\(relative)'")])
        }
        chain.append(basePath)
        let baseText: String
        do {
            baseText = try String(contentsOfFile: basePath, encoding: .utf8)
        } catch {
            let shown = relative == basePath ? "'\(relative)'" : "'\(relative)' (\(basePath))"
            throw SpecErrors(errors: [SpecError(file: file, line: entry.line, key: "base",
                                                message: "cannot read base spec \(shown): \(SpecPath.whyUnreadable(basePath)); "
                                                    + "a relative base is relative to the directory of \(file)")])
        }
        let parsed = try LocatedValue.parse(yaml: baseText, file: basePath)
        guard case .map(let keys) = parsed.kind, keys.contains(where: { topLevelKeys.contains($0.key) }) else {
            // Say nothing of what the file holds: `base:` may name any readable file.
            throw SpecErrors(errors: [SpecError(file: file, line: entry.line, key: "base",
                                                message: "'\(relative)' is not a PEFTLab experiment spec: expected a "
                                                    + "YAML mapping with keys such as dataset, task, method, train")])
        }
        var parent = try resolveBase(parsed, file: basePath, chain: &chain)
        if case .map(let entries) = parent.kind {
            let inherited = entries.filter { !["name", "base", "grid", "seeds", "include", "exclude"].contains($0.key) }
            parent = LocatedValue(kind: .map(inherited), line: parent.line, file: parent.file)
        }
        var merged = parent.merged(with: value)
        if case .map(let entries) = merged.kind {
            merged = LocatedValue(kind: .map(entries.filter { $0.key != "base" }), line: merged.line, file: merged.file)
        }
        return merged
    }
}

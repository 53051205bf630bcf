import PEFTMethods

/// Grid axes and include/exclude entries that set `method.name`: which specs their keys are checked against, and
/// the method sections such points start from (`ExperimentSpec.methodSections`).
extension SpecValidator {
    /// How `method.name` values are checked: a method this build can train.
    var methodNameSpec: ParameterSpec {
        ParameterSpec("name", .choice(registry.names), default: .null, help: "The method to train.")
    }

    /// The specs a value of dotted `key` must pass in a point training each of `methods` (raw `method.name` values;
    /// nil: the base method): `method.name` itself, a `method.*` setting every such method has (checked against each),
    /// or a key of the base schema.
    func settingSpecs(_ key: String, parameters: [String: ParameterSpec], methods: [ConfigValue]?) -> Result<[ParameterSpec], ParameterSpec.Problem> {
        if key == "method.name" { return .success([methodNameSpec]) }
        if key.hasPrefix("method."), let methods {
            let setting = String(key.dropFirst("method.".count))
            var specs: [ParameterSpec] = []
            for name in methods.compactMap(\.stringValue) {
                guard let method = registry[name] else { continue }
                guard let spec = method.parameters.first(where: { $0.name == setting }) else {
                    return .failure(.init("not a setting of method '\(name)'; it has \(method.parameters.map(\.name).joined(separator: ", "))"))
                }
                specs.append(spec)
            }
            return .success(specs)
        }
        guard let spec = parameters[key] else {
            return .failure(.init("not a setting of this spec; use method.<name>, train.<name>, head.<name>, dataset or backbone"))
        }
        return .success([spec])
    }

    /// `value` in canonical form if it passes every spec (the first's canonical form), else the first problem.
    static func check(_ value: ConfigValue, _ specs: [ParameterSpec]) -> Result<ConfigValue, ParameterSpec.Problem> {
        var canonical = value
        for (i, spec) in specs.enumerated() {
            switch spec.check(value) {
            case .success(let v): if i == 0 { canonical = v }
            case .failure(let problem): return .failure(problem)
            }
        }
        return .success(canonical)
    }

    /// The method section each switched-to method starts from: its name, the base method's explicit settings it
    /// also has, its own defaults for the rest. A carried-over value the other method rejects is an error at the
    /// base key, unless every point switching to that method sets the key itself; so is a method the task lacks.
    mutating func methodSections(base: ConfigValue, grid: [(key: String, values: [ConfigValue])],
                                 include: [[String: ConfigValue]]) -> [String: ConfigValue] {
        var overrides: [String: Set<String>] = [:]
        let gridKeys = Set(grid.map(\.key))
        for value in grid.first(where: { $0.key == "method.name" })?.values ?? [] {
            if let name = value.stringValue { overrides[name] = overrides[name].map { $0.intersection(gridKeys) } ?? gridKeys }
        }
        for point in include {
            guard let name = point["method.name"]?.stringValue else { continue }
            let keys = Set(point.keys).union(gridKeys)
            overrides[name] = overrides[name].map { $0.intersection(keys) } ?? keys
        }
        var sections: [String: ConfigValue] = [:]
        for (name, overridden) in overrides.sorted(by: { $0.key < $1.key }) {
            guard let method = registry[name] else { continue }
            let at = locations["grid.method.name"] ?? locations["include"] ?? (file, 0)
            if let task, !method.tasks.contains(task) {
                problems.append(SpecError(file: at.file, line: at.line, key: "method.name", message: "method '\(name)' does not support task '\(task.rawValue)'"))
            }
            var section = ConfigValue.map(["name": .string(name)])
            for spec in method.parameters {
                var value = spec.defaultValue
                if explicitMethodKeys.contains(spec.name), let given = base[path: "method.\(spec.name)"] {
                    switch spec.check(given) {
                    case .success(let v): value = v
                    case .failure(let problem) where !overridden.contains("method.\(spec.name)"):
                        let where_ = locations["method.\(spec.name)"] ?? at
                        problems.append(SpecError(file: where_.file, line: where_.line, key: "method.\(spec.name)",
                                                  message: "\(given) does not suit method '\(name)', which the spec also trains "
                                                      + "(\(problem.message)); set method.\(spec.name) where it names '\(name)'"))
                    case .failure: break
                    }
                }
                section.set(path: spec.name, to: value)
            }
            sections[name] = section
        }
        return sections
    }
}

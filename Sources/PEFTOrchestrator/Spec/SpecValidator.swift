import PEFTMethods

/// Checks a parsed spec against the known keys, methods and parameter types, collecting every problem.
struct SpecValidator {
    let registry: MethodRegistry
    let file: String
    var problems: [SpecError] = []
    var locations: [String: (file: String, line: Int)] = [:]
    /// The spec's task, once read.
    private(set) var task: TaskKind?
    /// The base method and the settings its `method:` mapping writes explicitly (not defaulted).
    private(set) var baseMethod: MethodDescriptor?
    private(set) var explicitMethodKeys: Set<String> = []

    init(registry: MethodRegistry, file: String) {
        self.registry = registry
        self.file = file
    }

    mutating func validate(_ root: LocatedValue, yaml: String) -> ExperimentSpec? {
        guard case .map(let entries) = root.kind else {
            fail(root, key: nil, "a spec must be a mapping of keys (name, dataset, method, …), got \(root.typeName)")
            return nil
        }
        for entry in entries where !ExperimentSpec.topLevelKeys.contains(entry.key) {
            fail(entry, key: SpecKey.path(nil, entry.key), SpecKey.message(for: entry.key,
                 "unknown key; expected one of \(ExperimentSpec.topLevelKeys.joined(separator: ", "))"))
        }
        for entry in entries { locations[entry.key] = (entry.value.file, entry.line) }

        let name = requiredString(root, "name")
        if let name, name.isEmpty || name.contains(where: { !($0.isLetter || $0.isNumber || "-_.".contains($0)) }) {
            fail(root.entry("name")!, key: "name", "use letters, digits, '-', '_' and '.' only (got '\(name)')")
        }
        let dataset = requiredString(root, "dataset")
        let task = requiredString(root, "task").flatMap { text -> TaskKind? in
            guard let task = TaskKind(rawValue: text) else {
                fail(root.entry("task")!, key: "task",
                     "expected one of \(TaskKind.allCases.map(\.rawValue).joined(separator: ", ")), got '\(text)'")
                return nil
            }
            return task
        }
        var base: ConfigValue = .map([:])
        if let dataset { base.set(path: "dataset", to: .string(dataset)) }
        if let task { base.set(path: "task", to: .string(task.rawValue)) }
        if let entry = root.entry("backbone") {
            if case .scalar(.string(let s)) = entry.value.kind { base.set(path: "backbone", to: .string(s)) }
            else { fail(entry, key: "backbone", "expected a backbone directory or name, got \(entry.value.typeName)") }
        }
        let target = root.entry("target_metric").flatMap { entry -> String? in
            guard case .scalar(.string(let s)) = entry.value.kind else {
                fail(entry, key: "target_metric", "expected a metric name, got \(entry.value.typeName)")
                return nil
            }
            if let task, !task.metricNames.contains(s) {
                fail(entry, key: "target_metric", "'\(s)' is not a \(task.rawValue) metric; expected one of \(task.metricNames.joined(separator: ", "))")
            }
            return s
        }
        if let metric = target ?? task?.defaultTarget { base.set(path: "target_metric", to: .string(metric)) }

        self.task = task
        let method = validateMethod(root, task: task, into: &base)
        baseMethod = method
        validateSection(root.entry("train"), key: "train", parameters: TrainSettings.parameters, into: &base)
        validateSection(root.entry("head"), key: "head", parameters: TaskKind.headParameters, into: &base)

        let parameters = method.map { schema(for: $0) } ?? [:]
        let grid = validateGrid(root.entry("grid"), parameters: parameters)
        let seeds = validateSeeds(root.entry("seeds"))
        let gridMethods = grid.first { $0.key == "method.name" }?.values ?? []
        let include = validatePoints(root.entry("include"), key: "include", parameters: parameters, axes: nil)
        let exclude = validatePoints(root.entry("exclude"), key: "exclude", parameters: parameters,
                                     axes: Set(grid.map(\.key)), gridMethods: gridMethods)
        let sections = methodSections(base: base, grid: grid, include: include)
        guard problems.isEmpty, let name else { return nil }
        return ExperimentSpec(name: name, file: file, yaml: yaml, base: base, grid: grid, seeds: seeds,
                              include: include, exclude: exclude, locations: locations, methodSections: sections)
    }

    /// Every dotted key a grid, include or exclude entry may set, with its parameter spec.
    private func schema(for method: MethodDescriptor) -> [String: ParameterSpec] {
        var out: [String: ParameterSpec] = [:]
        for p in method.parameters { out["method.\(p.name)"] = p }
        for p in TrainSettings.parameters { out["train.\(p.name)"] = p }
        for p in TaskKind.headParameters { out["head.\(p.name)"] = p }
        out["dataset"] = ParameterSpec("dataset", .string, default: .null, help: "Dataset name.")
        out["backbone"] = ParameterSpec("backbone", .string, default: .null, help: "Backbone directory.")
        return out
    }

    private mutating func validateMethod(_ root: LocatedValue, task: TaskKind?, into base: inout ConfigValue) -> MethodDescriptor? {
        guard let entry = root.entry("method") else {
            fail(root, key: "method", "missing; say which method to train, e.g. `method: {name: linear-probe}`")
            return nil
        }
        let nameValue: LocatedValue?
        switch entry.value.kind {
        case .scalar(.string): nameValue = entry.value
        case .map: nameValue = entry.value.entry("name")?.value
        default: nameValue = nil
        }
        guard let nameValue, case .scalar(.string(let name)) = nameValue.kind else {
            fail(entry, key: "method", "expected a method name or a mapping with `name:`")
            return nil
        }
        guard let method = registry[name] else {
            fail(nameValue, key: "method.name",
                 "unknown method '\(name)'; this build can train: \(registry.names.joined(separator: ", "))")
            return nil
        }
        if let task, !method.tasks.contains(task) {
            fail(nameValue, key: "method.name", "method '\(name)' does not support task '\(task.rawValue)'")
        }
        base.set(path: "method.name", to: .string(name))
        if case .map = entry.value.kind {
            var trimmed = entry
            if case .map(let entries) = entry.value.kind {
                trimmed.value.kind = .map(entries.filter { $0.key != "name" })
                explicitMethodKeys = Set(entries.map(\.key).filter { key in key != "name" && method.parameters.contains { $0.name == key } })
            }
            validateSection(trimmed, key: "method", parameters: method.parameters, into: &base)
        } else {
            validateSection(nil, key: "method", parameters: method.parameters, into: &base)
        }
        return method
    }

    /// Checks a `key:` mapping against `parameters` and writes every parameter (given or default) into `base`.
    private mutating func validateSection(_ entry: LocatedValue.Entry?, key: String, parameters: [ParameterSpec],
                                          into base: inout ConfigValue) {
        var given: [String: LocatedValue.Entry] = [:]
        if let entry {
            guard case .map(let entries) = entry.value.kind else {
                fail(entry, key: key, "expected a mapping of settings, got \(entry.value.typeName)")
                return
            }
            for e in entries {
                guard parameters.contains(where: { $0.name == e.key }) else {
                    fail(e, key: SpecKey.path(key, e.key), SpecKey.message(for: e.key,
                         "unknown setting; expected one of \(parameters.map(\.name).joined(separator: ", "))"))
                    continue
                }
                given[e.key] = e
                locations["\(key).\(e.key)"] = (e.value.file, e.line)
            }
        }
        for p in parameters {
            guard let e = given[p.name] else {
                base.set(path: "\(key).\(p.name)", to: p.defaultValue)
                continue
            }
            switch p.check(e.value.plain) {
            case .success(let v): base.set(path: "\(key).\(p.name)", to: v)
            case .failure(let problem): fail(e, key: "\(key).\(p.name)", problem.message)
            }
        }
    }

    private mutating func validateGrid(_ entry: LocatedValue.Entry?, parameters: [String: ParameterSpec]) -> [(key: String, values: [ConfigValue])] {
        guard let entry else { return [] }
        guard case .map(let axes) = entry.value.kind else {
            fail(entry, key: "grid", "expected a mapping of dotted keys to lists, e.g. `train.lr: [1e-3, 1e-4]`")
            return []
        }
        var grid: [(key: String, values: [ConfigValue])] = []
        let switched = axes.first { $0.key == "method.name" }.map { axis -> [ConfigValue] in
            if case .list(let items) = axis.value.kind { return items.map(\.plain) }
            return []
        }
        for axis in axes {
            let key = SpecKey.path("grid", axis.key) ?? "grid"
            let checks: [ParameterSpec]
            switch settingSpecs(axis.key, parameters: parameters, methods: switched) {
            case .success(let specs): checks = specs
            case .failure(let problem):
                fail(axis, key: key, SpecKey.message(for: axis.key, problem.message))
                continue
            }
            guard case .list(let items) = axis.value.kind, !items.isEmpty else {
                fail(axis, key: key, "expected a non-empty list of values, got \(axis.value.typeName)")
                continue
            }
            var values: [ConfigValue] = []
            for item in items {
                switch Self.check(item.plain, checks) {
                case .success(let v):
                    if values.contains(v) { fail(item, key: key, "value \(v) is listed twice") } else { values.append(v) }
                case .failure(let problem): fail(item, key: key, problem.message)
                }
            }
            grid.append((axis.key, values))
            locations[key] = (axis.value.file, axis.line)
        }
        return grid
    }

    private mutating func validateSeeds(_ entry: LocatedValue.Entry?) -> [Int] {
        guard let entry else { return [0] }
        let items: [LocatedValue]
        switch entry.value.kind {
        case .list(let list) where !list.isEmpty: items = list
        case .scalar(.int): items = [entry.value]
        default:
            fail(entry, key: "seeds", "expected a non-empty list of integers, got \(entry.value.typeName)")
            return []
        }
        var seeds: [Int] = []
        for item in items {
            guard case .scalar(.int(let seed)) = item.kind, seed >= 0 else {
                fail(item, key: "seeds", "expected a non-negative integer seed, got \(item.plain)")
                continue
            }
            if seeds.contains(seed) { fail(item, key: "seeds", "seed \(seed) is listed twice") } else { seeds.append(seed) }
        }
        return seeds
    }

    /// `include:` / `exclude:` entries: lists of mappings from dotted keys to single values.
    private mutating func validatePoints(_ entry: LocatedValue.Entry?, key: String, parameters: [String: ParameterSpec],
                                         axes: Set<String>?, gridMethods: [ConfigValue] = []) -> [[String: ConfigValue]] {
        guard let entry else { return [] }
        guard case .list(let items) = entry.value.kind else {
            fail(entry, key: key, "expected a list of mappings, e.g. `- {train.lr: 1e-2}`")
            return []
        }
        var points: [[String: ConfigValue]] = []
        for item in items {
            guard case .map(let pairs) = item.kind, !pairs.isEmpty else {
                fail(item, key: key, "expected a mapping of dotted keys to values, got \(item.typeName)")
                continue
            }
            var point: [String: ConfigValue] = [:]
            // The methods this point may train: the one it names, else (exclude) those of the grid's method.name axis.
            let named = pairs.first { $0.key == "method.name" }.map { [$0.value.plain] } ?? (gridMethods.isEmpty ? nil : gridMethods)
            for pair in pairs {
                let checks: [ParameterSpec]
                switch settingSpecs(pair.key, parameters: parameters, methods: named) {
                case .success(let specs): checks = specs
                case .failure(let problem):
                    fail(pair, key: SpecKey.path(key, pair.key), SpecKey.message(for: pair.key, problem.message))
                    continue
                }
                if let axes, !axes.contains(pair.key) {
                    fail(pair, key: "\(key).\(pair.key)", "exclude may only name grid axes (\(axes.sorted().joined(separator: ", ")))")
                    continue
                }
                switch Self.check(pair.value.plain, checks) {
                case .success(let v): point[pair.key] = v
                case .failure(let problem): fail(pair, key: "\(key).\(pair.key)", problem.message)
                }
            }
            points.append(point)
        }
        return points
    }

    private mutating func requiredString(_ root: LocatedValue, _ key: String) -> String? {
        guard let entry = root.entry(key) else {
            fail(root, key: key, "missing; every spec needs `\(key):`")
            return nil
        }
        guard case .scalar(.string(let s)) = entry.value.kind else {
            fail(entry, key: key, "expected a string, got \(entry.value.typeName)")
            return nil
        }
        return s
    }

    private mutating func fail(_ value: LocatedValue, key: String?, _ message: String) {
        problems.append(SpecError(file: value.file, line: value.line, key: key, message: message))
    }

    private mutating func fail(_ entry: LocatedValue.Entry, key: String?, _ message: String) {
        problems.append(SpecError(file: entry.value.file, line: entry.line, key: key, message: message))
    }
}

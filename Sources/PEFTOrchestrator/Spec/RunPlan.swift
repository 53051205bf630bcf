import PEFTData
import PEFTMethods

/// One run an experiment expands to: a grid point × seed, with its canonical config and identity hash.
public struct RunPlan: Sendable, Equatable {
    /// Canonical config: base settings with the grid point applied, plus `experiment` and `seed`.
    public var config: ConfigValue
    /// Only the values the grid (or an include entry) set, by dotted key.
    public var grid: [String: ConfigValue]
    public var seed: Int

    /// `config` as canonical JSON (sorted keys): what `runs.config_json` stores.
    public var configJSON: String { config.canonicalJSON }
    /// SHA-256 of `configJSON`: the run's identity (`runs.config_hash`).
    public var configHash: String { SHA256.hexDigest(configJSON) }
    public var method: String { config[path: "method.name"]?.stringValue ?? "" }
}

extension ExperimentSpec {
    /// Expands the grid (cartesian product in spec order, minus `exclude`, plus `include`) × seeds. A point that
    /// sets `method.name` starts from that method's section (`methodSections`), then gets its own keys.
    ///
    /// Order is stable: grid points in row-major order of the axes, include entries after them, each with
    /// every seed in spec order; duplicate points (e.g. an include that is also in the product) appear once.
    public func expand() -> [RunPlan] {
        var points: [[String: ConfigValue]] = [[:]]
        for axis in grid {
            points = points.flatMap { point in axis.values.map { value in point.merging([axis.key: value]) { $1 } } }
        }
        points.removeAll { point in exclude.contains { edit in edit.allSatisfy { point[$0.key] == $0.value } } }
        points += include
        var plans: [RunPlan] = []
        var seen = Set<String>()
        for point in points {
            for seed in seeds {
                var config = base
                if let method = point["method.name"]?.stringValue, let section = methodSections[method] {
                    config.set(path: "method", to: section)
                }
                for (key, value) in point { config.set(path: key, to: value) }
                config.set(path: "experiment", to: .string(name))
                config.set(path: "seed", to: .int(seed))
                let plan = RunPlan(config: config, grid: point, seed: seed)
                if seen.insert(plan.configHash).inserted { plans.append(plan) }
            }
        }
        return plans
    }
}

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
    /// The default most runs one spec may expand to (`peftlab queue --max-runs` overrides it).
    public static let defaultMaxRuns = 100_000

    /// An upper bound on the runs this spec expands to, computed without expanding: (product of the grid axes'
    /// sizes + include entries) × seeds, before exclusions and de-duplication; nil when it overflows `Int`.
    public var runCountBound: Int? {
        var product = 1
        for axis in grid {
            let (next, overflow) = product.multipliedReportingOverflow(by: axis.values.count)
            if overflow { return nil }
            product = next
        }
        let (points, overflowAdd) = product.addingReportingOverflow(include.count)
        let (runs, overflowMul) = points.multipliedReportingOverflow(by: max(seeds.count, 1))
        return overflowAdd || overflowMul ? nil : runs
    }

    /// Refuses a spec that could expand to more than `maxRuns` runs, before any expansion.
    /// - Throws: `SpecErrors` with one error naming the axes, their sizes and the count.
    public func checkSize(maxRuns: Int) throws(SpecErrors) {
        let bound = runCountBound
        if let bound, bound <= maxRuns { return }
        let axes = grid.map { "\($0.key) (\($0.values.count))" }.joined(separator: " × ")
        let count = bound.map { "up to \($0)" } ?? "more than \(Int.max)"
        let parts = [grid.isEmpty ? nil : axes, include.isEmpty ? nil : "\(include.count) include entries",
                     "\(seeds.count) seeds"].compactMap { $0 }.joined(separator: ", ")
        let at = locations["grid"]
        throw SpecErrors(errors: [SpecError(file: at?.file ?? file, line: at?.line, key: "grid",
                                            message: "\(parts) make \(count) runs, more than the limit of \(maxRuns); "
                                                + "shrink the grid, or raise the limit with --max-runs N")])
    }

    /// Expands the grid (cartesian product in spec order, minus `exclude`, plus `include`) × seeds. A point that
    /// sets `method.name` starts from that method's section (`methodSections`), then gets its own keys.
    ///
    /// Order is stable: grid points in row-major order of the axes, include entries after them, each with
    /// every seed in spec order; duplicate points (e.g. an include that is also in the product) appear once.
    /// - Cost: holds every plan; call `checkSize(maxRuns:)` first, or stream with `forEachPlan`.
    public func expand() -> [RunPlan] {
        var plans: [RunPlan] = []
        forEachPlan { plans.append($0) }
        return plans
    }

    /// Calls `body` with each run `expand()` would return, in the same order, one at a time: memory holds one grid
    /// point and the hashes of the plans seen so far (for de-duplication), never the whole product.
    public func forEachPlan(_ body: (RunPlan) throws -> Void) rethrows {
        var seen = Set<String>()
        if !grid.contains(where: { $0.values.isEmpty }) {
            var index = [Int](repeating: 0, count: grid.count)
            while true {
                var point: [String: ConfigValue] = [:]
                for (axis, i) in zip(grid, index) { point[axis.key] = axis.values[i] }
                if !exclude.contains(where: { edit in edit.allSatisfy { point[$0.key] == $0.value } }) {
                    try emit(point, seen: &seen, body)
                }
                var k = grid.count - 1
                while k >= 0 {
                    index[k] += 1
                    if index[k] < grid[k].values.count { break }
                    index[k] = 0
                    k -= 1
                }
                if k < 0 { break }
            }
        }
        for point in include { try emit(point, seen: &seen, body) }
    }

    /// The plans of one grid point, one per seed, skipping configs already emitted.
    private func emit(_ point: [String: ConfigValue], seen: inout Set<String>, _ body: (RunPlan) throws -> Void) rethrows {
        for seed in seeds {
            var config = base
            if let method = point["method.name"]?.stringValue, let section = methodSections[method] {
                config.set(path: "method", to: section)
            }
            for (key, value) in point { config.set(path: key, to: value) }
            config.set(path: "experiment", to: .string(name))
            config.set(path: "seed", to: .int(seed))
            let plan = RunPlan(config: config, grid: point, seed: seed)
            if seen.insert(plan.configHash).inserted { try body(plan) }
        }
    }
}

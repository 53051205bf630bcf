import Foundation
import PEFTData
import PEFTStore
import PEFTMethods

/// Puts expanded experiments into the database's run queue, exactly once per canonical config.
public struct ExperimentQueue {
    public let store: Store
    /// The methods specs may name (for queue-time checks against the backbone).
    public let registry: MethodRegistry
    /// Where the experiments' and runs' times come from.
    public let clock: StoreClock

    public init(store: Store, registry: MethodRegistry = .standard, clock: StoreClock = .database) {
        self.store = store
        self.registry = registry
        self.clock = clock
    }

    /// What queueing one spec did.
    public struct Outcome: Sendable, Equatable {
        public var experiment: String
        public var new: Int
        public var alreadyQueued: Int
    }

    /// Checks each spec's size (`ExperimentSpec.checkSize`) and what only the database can tell (the dataset
    /// exists), then inserts every spec's runs in one transaction, streaming them from the grid: runs already
    /// present (same config hash) are left as they are.
    /// - Throws: `SpecErrors` (nothing queued) or a store error.
    public func queue(_ specs: [ExperimentSpec], maxRuns: Int = ExperimentSpec.defaultMaxRuns) throws -> [Outcome] {
        var sizeProblems: [SpecError] = []
        for spec in specs {
            do { try spec.checkSize(maxRuns: maxRuns) } catch { sizeProblems += error.errors }
        }
        if !sizeProblems.isEmpty { throw SpecErrors(errors: sizeProblems) }
        return try store.write { tx in
            var problems: [SpecError] = []
            var checks = PlanChecks(registry: registry)
            for spec in specs {
                try spec.forEachPlan { plan in
                    for error in try checks.problems(plan, of: spec, in: tx, storePath: store.path) where !problems.contains(error) {
                        problems.append(error)
                    }
                }
            }
            if !problems.isEmpty { throw SpecErrors(errors: problems) }
            let now = try clock.now(in: tx)
            return try specs.map { try insert($0, now: now, in: tx) }
        }
    }

    /// Calls `body` with each run of `spec` and whether it is already in the database (for `--dry-run`), streaming
    /// them from the grid after checking the spec's size.
    /// - Throws: `SpecErrors` when the spec is larger than `maxRuns`, a store error, or what `body` throws.
    public func preview(_ spec: ExperimentSpec, maxRuns: Int = ExperimentSpec.defaultMaxRuns,
                        _ body: (RunPlan, Bool) throws -> Void) throws {
        try spec.checkSize(maxRuns: maxRuns)
        try store.read { tx in
            try spec.forEachPlan { plan in try body(plan, try RunRecord.exists(configHash: plan.configHash, in: tx)) }
        }
    }

    /// Saves the spec's experiment row and queues each of its runs not queued before (by config hash).
    private func insert(_ spec: ExperimentSpec, now: Double, in tx: any StoreTransaction) throws -> Outcome {
        let experimentID = try ExperimentRecord.save(name: spec.name, file: spec.file, yaml: spec.yaml,
                                                     yamlSHA256: SHA256.hexDigest(spec.yaml), now: now, in: tx)
        var outcome = Outcome(experiment: spec.name, new: 0, alreadyQueued: 0)
        try spec.forEachPlan { plan in
            let train = TrainSettings(plan.config[path: "train"])
            let limits = RunRecord.Limits(maxAttempts: train.maxAttempts, maxExpiries: train.maxExpiries,
                                          maxSameStep: train.maxSameStep)
            let id = try RunRecord.queue(experimentID: experimentID, configHash: plan.configHash, configJSON: plan.configJSON,
                                         gridJSON: ConfigValue.map(plan.grid).canonicalJSON, method: plan.method,
                                         seed: plan.seed, limits: limits, queuedAt: now, in: tx)
            if id != nil { outcome.new += 1 } else { outcome.alreadyQueued += 1 }
        }
        return outcome
    }
}

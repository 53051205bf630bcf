import Foundation
import GRDB
import PEFTData
import PEFTStore
import PEFTMethods

/// Puts expanded experiments into the database's run queue, exactly once per canonical config.
public struct ExperimentQueue {
    public let store: Store
    /// The methods specs may name (for queue-time checks against the backbone).
    public let registry: MethodRegistry

    public init(store: Store, registry: MethodRegistry = .standard) {
        self.store = store
        self.registry = registry
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
    public func queue(_ specs: [ExperimentSpec], maxRuns: Int = ExperimentSpec.defaultMaxRuns,
                      now: Double = Store.now()) throws -> [Outcome] {
        var sizeProblems: [SpecError] = []
        for spec in specs {
            do { try spec.checkSize(maxRuns: maxRuns) } catch { sizeProblems += error.errors }
        }
        if !sizeProblems.isEmpty { throw SpecErrors(errors: sizeProblems) }
        return try store.grdbWrite { db in
            var problems: [SpecError] = []
            var checks = PlanChecks(registry: registry)
            for spec in specs {
                try spec.forEachPlan { plan in
                    for error in try checks.problems(plan, of: spec, in: db.storeTransaction, storePath: store.path) where !problems.contains(error) {
                        problems.append(error)
                    }
                }
            }
            if !problems.isEmpty { throw SpecErrors(errors: problems) }
            return try specs.map { try insert($0, db: db, now: now) }
        }
    }

    /// Calls `body` with each run of `spec` and whether it is already in the database (for `--dry-run`), streaming
    /// them from the grid after checking the spec's size.
    /// - Throws: `SpecErrors` when the spec is larger than `maxRuns`, a store error, or what `body` throws.
    public func preview(_ spec: ExperimentSpec, maxRuns: Int = ExperimentSpec.defaultMaxRuns,
                        _ body: (RunPlan, Bool) throws -> Void) throws {
        try spec.checkSize(maxRuns: maxRuns)
        try store.grdbRead { db in
            try spec.forEachPlan { plan in
                try body(plan, try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM runs WHERE config_hash = ?)",
                                                 arguments: [plan.configHash]) ?? false)
            }
        }
    }

    private func insert(_ spec: ExperimentSpec, db: Database, now: Double) throws -> Outcome {
        let yamlHash = SHA256.hexDigest(spec.yaml)
        try db.execute(sql: """
            INSERT INTO experiments (name, file, yaml, yaml_sha256, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)
            ON CONFLICT (name) DO UPDATE SET file = excluded.file, yaml = excluded.yaml,
                yaml_sha256 = excluded.yaml_sha256, updated_at = excluded.updated_at
            """, arguments: [spec.name, spec.file, spec.yaml, yamlHash, now, now])
        let experimentID = try Int64.fetchOne(db, sql: "SELECT id FROM experiments WHERE name = ?", arguments: [spec.name])
        var outcome = Outcome(experiment: spec.name, new: 0, alreadyQueued: 0)
        try spec.forEachPlan { plan in
            let train = TrainSettings(plan.config[path: "train"])
            try db.execute(sql: """
                INSERT INTO runs (experiment_id, config_hash, config_json, grid_json, method, seed, max_attempts, max_expiries,
                                  max_same_step, queued_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (config_hash) DO NOTHING
                """, arguments: [experimentID, plan.configHash, plan.configJSON, ConfigValue.map(plan.grid).canonicalJSON,
                                 plan.method, plan.seed, train.maxAttempts, train.maxExpiries, train.maxSameStep, now])
            if db.changesCount == 1 { outcome.new += 1 } else { outcome.alreadyQueued += 1 }
        }
        return outcome
    }
}

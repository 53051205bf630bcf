import Foundation
import GRDB
import PEFTData
import PEFTStore

/// Puts expanded experiments into the database's run queue, exactly once per canonical config.
public struct ExperimentQueue {
    public let store: Store

    public init(store: Store) { self.store = store }

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
        return try store.write { db in
            var problems: [SpecError] = []
            var checked: [String: Bool] = [:]
            for spec in specs {
                try spec.forEachPlan { plan in
                    guard let dataset = plan.config[path: "dataset"]?.stringValue else { return }
                    if checked[dataset] == nil {
                        checked[dataset] = try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM datasets WHERE name = ?)",
                                                             arguments: [dataset]) ?? false
                    }
                    if checked[dataset] == false {
                        let at = spec.locations[plan.grid["dataset"] != nil ? "grid.dataset" : "dataset"]
                        let error = SpecError(file: at?.file ?? spec.file, line: at?.line, key: "dataset",
                                              message: "no dataset named '\(dataset)' in \(store.path); ingest it first (peftlab ingest / peftlab datasets make)")
                        if !problems.contains(error) { problems.append(error) }
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
        try store.read { db in
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
            let maxAttempts = plan.config[path: "train.max_attempts"]?.intValue ?? 3
            try db.execute(sql: """
                INSERT INTO runs (experiment_id, config_hash, config_json, grid_json, method, seed, max_attempts, queued_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (config_hash) DO NOTHING
                """, arguments: [experimentID, plan.configHash, plan.configJSON, ConfigValue.map(plan.grid).canonicalJSON,
                                 plan.method, plan.seed, maxAttempts, now])
            if db.changesCount == 1 { outcome.new += 1 } else { outcome.alreadyQueued += 1 }
        }
        return outcome
    }
}

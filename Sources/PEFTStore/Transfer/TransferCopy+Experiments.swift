extension TransferCopy {
    /// The source's experiments named in `names` (all when nil), in id order.
    /// - Throws: `TransferError.unknownExperiment` for a name the source does not have.
    func selectedExperiments(_ names: [String]?) throws -> [(id: Int64, name: String)] {
        let all: [(id: Int64, name: String)] = try source.rows("SELECT id, name FROM experiments ORDER BY id").map {
            (id: try $0["id"], name: try $0["name"])
        }
        guard let names else { return all }
        for name in names where !all.contains(where: { $0.name == name }) {
            throw TransferError.unknownExperiment(name: name, source: sourceName, available: all.map(\.name))
        }
        return all.filter { names.contains($0.name) }
    }

    /// Copies the experiments the destination lacks, with their runs and the runs' rows; skips those it holds with
    /// the same content.
    /// - Throws: `TransferError.conflictingExperiment` / `.conflictingRun`.
    func copyExperiments(_ experiments: [(id: Int64, name: String)]) throws {
        var ids = try TransferIDAllocator("experiments", source: source, target: target)
        var copied: [Int64] = []
        for experiment in experiments {
            if let existing = try target.value(Int64.self, "SELECT id FROM experiments WHERE name = ?", [experiment.name]) {
                let same = try ExperimentFingerprint(experimentID: experiment.id, in: source)
                    == ExperimentFingerprint(experimentID: existing, in: target)
                guard same else {
                    throw TransferError.conflictingExperiment(name: experiment.name, destination: targetName)
                }
                unchanged.append(experiment.name)
                continue
            }
            guard let row = try source.row("SELECT * FROM experiments WHERE id = ?", [experiment.id]) else { continue }
            let assigned = try ids.assigningIDs([row], in: target)
            try insert("experiments", assigned.rows)
            experimentIDs.merge(assigned.ids) { $1 }
            copied.append(experiment.id)
        }

        let names = Dictionary(uniqueKeysWithValues: experiments.map { ($0.id, $0.name) })
        let runs = Self.membership("experiment_id", copied)
        var runAllocator = try TransferIDAllocator("runs", source: source, target: target)
        try stream("runs", where: runs.sql, runs.arguments, orderBy: "id") { batch in
            try refuseKnownConfigHashes(batch, experimentNames: names)
            let mapped = try batch.map { try $0.mapping("experiment_id", through: experimentIDs, table: "runs") }
            let assigned = try runAllocator.assigningIDs(mapped, in: target)
            try insert("runs", assigned.rows)
            runIDs.merge(assigned.ids) { $1 }
        }

        let ofRuns = "run_id IN (SELECT id FROM runs WHERE \(runs.sql))"
        let children: [(table: String, order: String, hasID: Bool)] = [
            ("attempts", "id", true), ("checkpoints", "id", true), ("metrics", "run_id, split, name, step", false),
            ("predictions", "run_id, split, step", false), ("events", "id", true),
        ]
        for child in children {
            var allocator = child.hasID ? try TransferIDAllocator(child.table, source: source, target: target) : nil
            try stream(child.table, where: ofRuns, runs.arguments, orderBy: child.order) { batch in
                var rows = try batch.map { try $0.mapping("run_id", through: runIDs, table: child.table) }
                if allocator != nil { rows = try allocator!.assigningIDs(rows, in: target).rows }
                try insert(child.table, rows)
            }
        }
    }

    /// Throws when a run of `batch` has the config hash of a run the destination holds (under another experiment:
    /// experiments of the same name never get here).
    private func refuseKnownConfigHashes(_ batch: [SQLRow], experimentNames: [Int64: String]) throws {
        let hashes: [SQLValue] = try batch.map { .text(try $0["config_hash"]) }
        guard let clash = try target.row("""
            SELECT r.config_hash, e.name FROM runs r JOIN experiments e ON e.id = r.experiment_id
            WHERE r.config_hash IN (\(SQLArguments.placeholders(hashes.count))) ORDER BY r.id
            """, SQLArguments(hashes)) else { return }
        let hash: String = try clash["config_hash"]
        let run = try batch.first { try $0["config_hash"] == hash }
        let experiment = try run.flatMap { experimentNames[try $0["experiment_id"]] } ?? "?"
        throw TransferError.conflictingRun(configHash: hash, experiment: experiment,
                                           existingExperiment: try clash["name"], destination: targetName)
    }
}

extension TransferCopy {
    /// Source ids of the datasets that the runs of the experiments `experimentIDs` name in their configs.
    func datasetsNamed(by experimentIDs: [Int64]) throws -> [Int64] {
        let list = Self.membership("r.experiment_id", experimentIDs)
        return try source.rows("""
            SELECT DISTINCT d.id FROM datasets d JOIN runs r ON \(source.dialect.jsonText("r.config_json", "dataset")) = d.name
            WHERE \(list.sql) ORDER BY d.id
            """, list.arguments).map { try $0["id"] }
    }

    /// Copies the data side: the datasets `selected` (source ids; nil for all) with their rows and images, every
    /// backbone and the feature cache.
    func copyData(datasets selected: [Int64]?) throws {
        let datasets = selected.map { Self.membership("dataset_id", $0) } ?? (sql: "1 = 1", arguments: [])
        let images = selected == nil ? "1 = 1"
            : "sha256 IN (SELECT image_sha256 FROM examples WHERE \(datasets.sql))"
        let tensors = selected == nil ? "1 = 1"
            : "image_sha256 IN (SELECT image_sha256 FROM examples WHERE \(datasets.sql))"
        try copyKeyed("backbones", where: "1 = 1", orderBy: "hash")
        try copyKeyed("images", where: images, datasets.arguments, orderBy: "sha256")
        try copyKeyed("image_tensors", where: tensors, datasets.arguments, orderBy: "image_sha256, preprocess_hash")
        let byID = selected.map { Self.membership("id", $0) } ?? (sql: "1 = 1", arguments: [])
        try copyDatasets(where: byID.sql, byID.arguments)

        var manifestIDs = try TransferIDAllocator("manifests", source: source, target: target)
        try stream("manifests", where: datasets.sql, datasets.arguments, orderBy: "id") { batch in
            let mapped = try batch.map { try $0.mapping("dataset_id", through: datasetIDs, table: "manifests") }
            try insert("manifests", try manifestIDs.assigningIDs(mapped, in: target).rows, conflict: .ignore)
        }
        try copyExamples(where: datasets.sql, datasets.arguments)
        try copyKeyed("example_features", where: "example_id IN (SELECT id FROM examples WHERE \(datasets.sql))",
                      datasets.arguments, orderBy: "example_id, name") { batch in
            try batch.map { try $0.mapping("example_id", through: exampleIDs, table: "example_features") }
        }
        try copyQuarantine(where: datasets.sql, datasets.arguments)
        try copyKeyed("feature_cache", where: "1 = 1", orderBy: "backbone_hash, tower, layer, preprocess_hash, input_hash")
    }

    /// Datasets by name: one the destination has is reused (its rows merge by natural key), others are copied.
    private func copyDatasets(where filter: String, _ arguments: SQLArguments) throws {
        var ids = try TransferIDAllocator("datasets", source: source, target: target)
        try stream("datasets", where: filter, arguments, orderBy: "id") { batch in
            for row in batch {
                let sourceID: Int64 = try row["id"]
                let name: String = try row["name"]
                if let existing = try target.value(Int64.self, "SELECT id FROM datasets WHERE name = ?", [name]) {
                    datasetIDs[sourceID] = existing
                    reusedDatasets.insert(existing)
                    continue
                }
                let assigned = try ids.assigningIDs([row], in: target)
                try insert("datasets", assigned.rows)
                datasetIDs.merge(assigned.ids) { $1 }
            }
        }
    }

    /// Examples: in a reused dataset, one whose source key is there already maps to that row; others are copied.
    private func copyExamples(where filter: String, _ arguments: SQLArguments) throws {
        var ids = try TransferIDAllocator("examples", source: source, target: target)
        try stream("examples", where: filter, arguments, orderBy: "id") { batch in
            let mapped = try batch.map { try $0.mapping("dataset_id", through: datasetIDs, table: "examples") }
            var present: [ExampleKey: Int64] = [:]
            let merging = try Dictionary(grouping: mapped.filter { reusedDatasets.contains(try $0["dataset_id"]) }) {
                try $0["dataset_id"] as Int64
            }
            for (dataset, rows) in merging {
                for chunk in rows.inChunks() {
                    let keys: [SQLValue] = try chunk.map { .text(try $0["source_key"]) }
                    try target.forEachRow("""
                        SELECT id, source_key FROM examples WHERE dataset_id = ? AND source_key IN (\(SQLArguments.placeholders(keys.count)))
                        """, SQLArguments([.integer(dataset)] + keys)) { row in
                        present[ExampleKey(dataset: dataset, sourceKey: try row["source_key"])] = try row["id"]
                    }
                }
            }
            var fresh: [SQLRow] = []
            for (original, row) in zip(batch, mapped) {
                let key = ExampleKey(dataset: try row["dataset_id"], sourceKey: try row["source_key"])
                if let existing = present[key] {
                    exampleIDs[try original["id"]] = existing
                } else {
                    fresh.append(row)
                }
            }
            let assigned = try ids.assigningIDs(fresh, in: target)
            try insert("examples", assigned.rows)
            exampleIDs.merge(assigned.ids) { $1 }
        }
    }

    /// Quarantined rows: in a reused dataset, one with the same file, line and reason there already is skipped.
    private func copyQuarantine(where filter: String, _ arguments: SQLArguments) throws {
        var ids = try TransferIDAllocator("quarantine", source: source, target: target)
        try stream("quarantine", where: filter, arguments, orderBy: "id") { batch in
            var fresh: [SQLRow] = []
            for row in try batch.map({ try $0.mapping("dataset_id", through: datasetIDs, table: "quarantine") }) {
                let dataset: Int64 = try row["dataset_id"]
                if reusedDatasets.contains(dataset) {
                    let line: Int64? = try row["line"]
                    let sql = "SELECT 1 FROM quarantine WHERE dataset_id = ? AND file = ? AND reason = ? AND "
                        + (line == nil ? "line IS NULL" : "line = ?")
                    var values: [SQLValue] = [.integer(dataset), try row["file"], try row["reason"]]
                    if let line { values.append(.integer(line)) }
                    if try target.row(sql, SQLArguments(values)) != nil { continue }
                }
                fresh.append(row)
            }
            try insert("quarantine", try ids.assigningIDs(fresh, in: target).rows, conflict: .ignore)
        }
    }
}

/// An example's natural key: its dataset (destination id) and source key.
private struct ExampleKey: Hashable {
    var dataset: Int64
    var sourceKey: String
}

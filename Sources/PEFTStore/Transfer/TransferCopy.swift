/// One transfer in progress: the two open transactions, the id maps built so far, and the streaming copy of one
/// table at a time. Made afresh inside the destination's write closure, so a retried transaction starts clean.
final class TransferCopy {
    /// Rows per batch insert.
    static let batchRows = 500
    /// Blob and text bytes per batch insert.
    static let batchBytes = 32 << 20

    /// Tables whose rows get integer ids, in copy order (their identity sequences are advanced at the end).
    static let identityTables = ["datasets", "manifests", "examples", "quarantine",
                                 "experiments", "runs", "attempts", "checkpoints", "events"]
    /// Every table a transfer writes, in copy order (parents before children).
    static let tables = ["backbones", "images", "image_tensors", "datasets", "manifests", "examples", "example_features",
                         "quarantine", "feature_cache", "experiments", "runs", "attempts", "checkpoints", "metrics",
                         "predictions", "events"]

    let source: any StoreTransaction
    let target: any StoreTransaction
    let sourceName: String
    let targetName: String

    /// Source id → destination id, for the tables other rows refer to.
    var datasetIDs: [Int64: Int64] = [:]
    var exampleIDs: [Int64: Int64] = [:]
    var experimentIDs: [Int64: Int64] = [:]
    var runIDs: [Int64: Int64] = [:]
    /// Destination ids of datasets that were there already (their rows are merged by natural key).
    var reusedDatasets: Set<Int64> = []
    /// Experiments the destination already held unchanged.
    var unchanged: [String] = []

    init(source: any StoreTransaction, target: any StoreTransaction, sourceName: String, targetName: String) {
        self.source = source
        self.target = target
        self.sourceName = sourceName
        self.targetName = targetName
    }

    /// Copies `selection` and returns what was added.
    func run(_ selection: TransferSelection) throws -> TransferSummary {
        let before = try Self.tables.map { try count($0) }
        let experiments = try selectedExperiments(selection.experiments)
        switch selection.data {
        case .none: break
        case .referenced: try copyData(datasets: try datasetsNamed(by: experiments.map(\.id)))
        case .all: try copyData(datasets: nil)
        }
        try copyExperiments(experiments)
        for table in Self.identityTables {
            if let sql = target.dialect.resetIdentity(table: table) { _ = try target.value(Int64.self, sql) }
        }
        let after = try Self.tables.map { try count($0) }
        let added = zip(Self.tables, zip(before, after)).compactMap { table, counts in
            counts.1 > counts.0 ? (table: table, rows: counts.1 - counts.0) : nil
        }
        return TransferSummary(added: added, unchanged: unchanged)
    }

    /// Rows of `table` in the destination.
    func count(_ table: String) throws -> Int {
        try target.value(Int.self, "SELECT COUNT(*) FROM \(table)") ?? 0
    }

    /// Streams `SELECT * FROM table WHERE filter ORDER BY order` from the source and hands it to `body` in batches
    /// of at most `batchRows` rows or `batchBytes` bytes.
    func stream(_ table: String, where filter: String, _ arguments: SQLArguments = [], orderBy order: String,
                _ body: ([SQLRow]) throws -> Void) throws {
        var batch: [SQLRow] = []
        var bytes = 0
        try source.forEachRow("SELECT * FROM \(table) WHERE \(filter) ORDER BY \(order)", arguments) { row in
            batch.append(row)
            bytes += row.values.reduce(0) { $0 + $1.byteCount }
            if batch.count >= Self.batchRows || bytes >= Self.batchBytes {
                try body(batch)
                batch.removeAll(keepingCapacity: true)
                bytes = 0
            }
        }
        if !batch.isEmpty { try body(batch) }
    }

    /// Inserts `rows` (all with the same columns) into the destination's `table`.
    func insert(_ table: String, _ rows: [SQLRow], conflict: SQLInsert.Conflict = .fail) throws {
        guard let columns = rows.first?.columns else { return }
        try target.insert(SQLInsert(into: table, columns: columns, conflict: conflict), rows: rows.map(\.values))
    }

    /// Copies the rows of `table` selected by `filter` whose keys decide duplicates (`ON CONFLICT DO NOTHING`),
    /// after `remap` rewrites each batch's foreign keys.
    func copyKeyed(_ table: String, where filter: String, _ arguments: SQLArguments = [], orderBy order: String,
                   remap: ([SQLRow]) throws -> [SQLRow] = { $0 }) throws {
        try stream(table, where: filter, arguments, orderBy: order) { batch in
            try insert(table, try remap(batch), conflict: .ignore)
        }
    }

    /// `column IN (?, ?, …)` for `ids`, or a condition no row meets when there are none.
    static func membership(_ column: String, _ ids: [Int64]) -> (sql: String, arguments: SQLArguments) {
        guard !ids.isEmpty else { return ("1 = 0", []) }
        return ("\(column) IN (\(SQLArguments.placeholders(ids.count)))", SQLArguments(ids.map(\.sqlValue)))
    }
}

extension SQLRow {
    /// The integer in `column`, or nil when it is NULL.
    func integer(_ column: String) throws -> Int64? { try self[column] as Int64? }

    /// This row with `column` set to `value`.
    func setting(_ column: String, to value: SQLValue) -> SQLRow {
        guard let index = columns.firstIndex(of: column) else { return self }
        var values = self.values
        values[index] = value
        return SQLRow(columns: columns, values: values)
    }

    /// This row with the integer in `column` looked up in `map` (NULL stays NULL).
    func mapping(_ column: String, through map: [Int64: Int64], table: String) throws -> SQLRow {
        guard let old = try integer(column) else { return self }
        guard let new = map[old] else {
            throw StoreError.corruptRow(table: table, detail: "\(column) \(old) refers to a row that is not being copied")
        }
        return setting(column, to: .integer(new))
    }
}

extension SQLValue {
    /// Bytes a value holds, for batch sizing.
    var byteCount: Int {
        switch self {
        case .null: return 0
        case .integer, .real: return 8
        case .text(let s): return s.utf8.count
        case .blob(let d): return d.count
        }
    }
}

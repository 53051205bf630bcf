import Foundation

/// What an experiment holds, ids aside: its row, its runs' rows and every attempt, checkpoint, metric, prediction
/// and event of those runs (with the run named by its config hash). Two stores hold the same experiment when their
/// fingerprints are equal; a transfer skips such an experiment and refuses one whose fingerprint differs.
///
/// An order-free digest: the wrapping sum of a 128-bit hash of every row, with the row count. Hashes are seeded per
/// process, so fingerprints compare only within one process (both stores are read by the same transfer).
/// - Cost: reads every row of the experiment once, blobs included.
struct ExperimentFingerprint: Equatable {
    private(set) var rows = 0
    private var low: UInt64 = 0
    private var high: UInt64 = 0

    init(experimentID: Int64, in tx: any StoreTransaction) throws {
        try add("experiments", "SELECT * FROM experiments WHERE id = ?", experimentID, dropping: ["id"], in: tx)
        try add("runs", "SELECT * FROM runs WHERE experiment_id = ?", experimentID, dropping: ["id", "experiment_id"], in: tx)
        for table in ["attempts", "checkpoints", "metrics", "predictions", "events"] {
            try add(table, """
                SELECT r.config_hash AS run_config_hash, t.* FROM \(table) t JOIN runs r ON r.id = t.run_id
                WHERE r.experiment_id = ?
                """, experimentID, dropping: ["id", "run_id"], in: tx)
        }
    }

    private mutating func add(_ table: String, _ sql: String, _ experimentID: Int64, dropping ids: Set<String>,
                              in tx: any StoreTransaction) throws {
        try tx.forEachRow(sql, [experimentID]) { row in
            for salt in 0 ..< 2 {
                var hasher = Hasher()
                hasher.combine(salt)
                hasher.combine(table)
                for (column, value) in zip(row.columns, row.values) where !ids.contains(column) {
                    hasher.combine(column)
                    Self.combine(value, into: &hasher)
                }
                let hash = UInt64(bitPattern: Int64(hasher.finalize()))
                if salt == 0 { low &+= hash } else { high &+= hash }
            }
            rows += 1
        }
    }

    /// Hashes every bit of a value (reals by bit pattern; blobs byte by byte, not just a prefix).
    private static func combine(_ value: SQLValue, into hasher: inout Hasher) {
        switch value {
        case .null: hasher.combine(0 as UInt8)
        case .integer(let v): hasher.combine(1 as UInt8); hasher.combine(v)
        case .real(let v): hasher.combine(2 as UInt8); hasher.combine(v.bitPattern)
        case .text(let v): hasher.combine(3 as UInt8); hasher.combine(v)
        case .blob(let v):
            hasher.combine(4 as UInt8)
            hasher.combine(v.count)
            v.withUnsafeBytes { hasher.combine(bytes: $0) }
        }
    }
}

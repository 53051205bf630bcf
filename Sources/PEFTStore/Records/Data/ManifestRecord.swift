import Foundation

/// A row of `manifests`: one manifest file ingested into a dataset, recognised by the hash of its bytes, with the
/// ingest's progress counters (committed with each batch, so they always match what is stored).
public struct ManifestRecord: Sendable, Equatable {
    public var id: Int64
    public var datasetID: Int64
    /// The path as given on the command line.
    public var path: String
    public var sha256: String
    /// `jsonl`, `csv`, `tsv` or `mmsd2`.
    public var format: String
    public var rowsTotal: Int
    public var rowsStored: Int
    public var rowsDuplicate: Int
    public var rowsQuarantined: Int
    /// Nil while an ingest of this manifest is unfinished.
    public var completedAt: Double?
    public var createdAt: Double

    /// Reads a `SELECT * FROM manifests` row.
    public init(row: SQLRow) throws {
        id = try row["id"]
        datasetID = try row["dataset_id"]
        path = try row["path"]
        sha256 = try row["sha256"]
        format = try row["format"]
        rowsTotal = try row["rows_total"]
        rowsStored = try row["rows_stored"]
        rowsDuplicate = try row["rows_duplicate"]
        rowsQuarantined = try row["rows_quarantined"]
        completedAt = try row["completed_at"]
        createdAt = try row["created_at"]
    }

    /// The id of the dataset's manifest with content hash `sha256`, creating the row when new, otherwise
    /// refreshing its path and row count (the same bytes under another name are the same manifest).
    /// - Throws: `StoreError.notFound` if the row is still missing afterwards.
    public static func ensure(datasetID: Int64, path: String, sha256: String, format: String, rowsTotal: Int,
                              now: Double, in tx: any StoreTransaction) throws -> Int64 {
        try tx.execute("""
            INSERT INTO manifests (dataset_id, path, sha256, format, rows_total, created_at) VALUES (?, ?, ?, ?, ?, ?)
            ON CONFLICT (dataset_id, sha256) DO NOTHING
            """, [datasetID, path, sha256, format, rowsTotal, now])
        try tx.execute("UPDATE manifests SET path = ?, rows_total = ? WHERE dataset_id = ? AND sha256 = ?",
                       [path, rowsTotal, datasetID, sha256])
        guard let id = try tx.value(Int64.self, "SELECT id FROM manifests WHERE dataset_id = ? AND sha256 = ?",
                                    [datasetID, sha256]) else {
            throw StoreError.notFound(what: "manifest \(path)")
        }
        return id
    }

    /// Adds one committed batch to the progress counters: `stored` new examples, and the quarantined count
    /// recomputed from the dataset's `quarantine` rows for `file` (a retried row leaves it, a new problem joins it).
    public static func addBatch(id: Int64, stored: Int, datasetID: Int64, file: String,
                                in tx: any StoreTransaction) throws {
        try tx.execute("""
            UPDATE manifests SET rows_stored = rows_stored + ?,
                rows_quarantined = (SELECT COUNT(*) FROM quarantine WHERE dataset_id = ? AND file = ?)
            WHERE id = ?
            """, [stored, datasetID, file, id])
    }

    /// Marks the manifest complete; the rows neither stored nor quarantined are counted as duplicates.
    public static func complete(id: Int64, now: Double, in tx: any StoreTransaction) throws {
        try tx.execute("""
            UPDATE manifests SET completed_at = ?,
                rows_duplicate = \(tx.dialect.greatest("0", "rows_total - rows_stored - rows_quarantined"))
            WHERE id = ?
            """, [now, id])
    }
}

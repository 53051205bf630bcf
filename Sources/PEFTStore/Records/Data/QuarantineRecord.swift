import Foundation

/// A row of `quarantine`: a manifest row that could not be ingested, with where and why. One entry per dataset,
/// file and line: a later ingest replaces the reason or, once the row succeeds, removes the entry.
public struct QuarantineRecord: Sendable, Equatable {
    public var id: Int64
    public var datasetID: Int64
    /// The manifest (or image) path the problem is in.
    public var file: String
    /// The 1-based manifest line (or array index for JSON).
    public var line: Int?
    /// The offending field, if one.
    public var field: String?
    /// One sentence saying what is wrong.
    public var reason: String
    public var createdAt: Double

    /// Reads a `SELECT * FROM quarantine` row.
    public init(row: SQLRow) throws {
        id = try row["id"]
        datasetID = try row["dataset_id"]
        file = try row["file"]
        line = try row["line"]
        field = try row["field"]
        reason = try row["reason"]
        createdAt = try row["created_at"]
    }

    /// Quarantines a row, or replaces the field and reason of its existing entry (keeping when it was first seen).
    public static func record(datasetID: Int64, file: String, line: Int, field: String?, reason: String, now: Double,
                              in tx: any StoreTransaction) throws {
        try tx.execute("""
            INSERT INTO quarantine (dataset_id, file, line, field, reason, created_at) VALUES (?, ?, ?, ?, ?, ?)
            ON CONFLICT (dataset_id, file, line) DO UPDATE SET field = excluded.field, reason = excluded.reason
            """, [datasetID, file, line, field, reason, now])
    }

    /// Removes the entries of `lines` of `file` (rows that are now stored or known duplicates).
    public static func clear(datasetID: Int64, file: String, lines: [Int], in tx: any StoreTransaction) throws {
        for chunk in lines.inChunks() {
            try tx.execute("""
                DELETE FROM quarantine WHERE dataset_id = ? AND file = ? AND line IN (\(SQLArguments.placeholders(chunk.count)))
                """, SQLArguments([.integer(datasetID), .text(file)] + chunk.map(\.sqlValue)))
        }
    }
}

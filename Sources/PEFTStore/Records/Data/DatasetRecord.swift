import Foundation

/// A row of `datasets`: a named collection of examples ingested from one or more manifests.
public struct DatasetRecord: Sendable, Equatable {
    public var id: Int64
    /// The user-facing name, unique in the database (`sarcasm`).
    public var name: String
    /// `classification`, `regression` or `retrieval`, when known.
    public var task: String?
    public var description: String?
    public var createdAt: Double

    /// Reads a `SELECT * FROM datasets` row.
    public init(row: SQLRow) throws {
        id = try row["id"]
        name = try row["name"]
        task = try row["task"]
        description = try row["description"]
        createdAt = try row["created_at"]
    }

    /// The id of the dataset named `name`, if any.
    public static func id(named name: String, in tx: any StoreTransaction) throws -> Int64? {
        try tx.value(Int64.self, "SELECT id FROM datasets WHERE name = ?", [name])
    }

    /// The id of the dataset named `name`, creating the row when there is none and filling a missing task hint.
    /// Safe when two writers create the same dataset at once (the name is unique; the second insert does nothing).
    /// - Throws: `StoreError.notFound` if the row is still missing afterwards (it was deleted concurrently).
    public static func ensure(named name: String, task: String?, now: Double,
                              in tx: any StoreTransaction) throws -> Int64 {
        try tx.execute("INSERT INTO datasets (name, task, created_at) VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING",
                       [name, task, now])
        if let task {
            try tx.execute("UPDATE datasets SET task = ? WHERE name = ? AND task IS NULL", [task, name])
        }
        guard let id = try id(named: name, in: tx) else { throw StoreError.notFound(what: "dataset '\(name)'") }
        return id
    }

    /// Creates a dataset and returns its id.
    /// - Throws: `StoreError` when the name is taken.
    public static func insert(name: String, task: String?, now: Double, in tx: any StoreTransaction) throws -> Int64 {
        try tx.insertReturningID("INSERT INTO datasets (name, task, created_at) VALUES (?, ?, ?) RETURNING id",
                                 [name, task, now])
    }
}

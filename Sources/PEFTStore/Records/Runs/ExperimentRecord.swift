/// A row of `experiments`: a spec by name, with the YAML it was last queued from. Its runs cascade with it.
public struct ExperimentRecord: Sendable, Equatable {
    public var id: Int64
    public var name: String
    /// The path the spec was read from, if it came from a file.
    public var file: String?
    public var yaml: String
    public var yamlSHA256: String
    public var createdAt: Double
    public var updatedAt: Double

    /// Reads a `SELECT * FROM experiments` row.
    public init(row: SQLRow) throws {
        id = try row["id"]
        name = try row["name"]
        file = try row["file"]
        yaml = try row["yaml"]
        yamlSHA256 = try row["yaml_sha256"]
        createdAt = try row["created_at"]
        updatedAt = try row["updated_at"]
    }

    /// Inserts the experiment, or updates the file and YAML of the one with its name (its runs stay); returns its id.
    public static func save(name: String, file: String?, yaml: String, yamlSHA256: String, now: Double,
                            in tx: any StoreTransaction) throws -> Int64 {
        try tx.insertReturningID("""
            INSERT INTO experiments (name, file, yaml, yaml_sha256, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)
            ON CONFLICT (name) DO UPDATE SET file = excluded.file, yaml = excluded.yaml,
                yaml_sha256 = excluded.yaml_sha256, updated_at = excluded.updated_at
            RETURNING id
            """, [name, file, yaml, yamlSHA256, now, now])
    }

    /// The experiment of this name, if any.
    public static func fetch(name: String, in tx: any StoreTransaction) throws -> ExperimentRecord? {
        try tx.row("SELECT * FROM experiments WHERE name = ?", [name]).map(ExperimentRecord.init)
    }

    /// Whether an experiment of this name exists.
    public static func exists(name: String, in tx: any StoreTransaction) throws -> Bool {
        try tx.value(Int64.self, "SELECT id FROM experiments WHERE name = ?", [name]) != nil
    }

    /// Deletes the experiment of this name and, by cascade, its runs and everything they recorded.
    public static func delete(name: String, in tx: any StoreTransaction) throws {
        try tx.execute("DELETE FROM experiments WHERE name = ?", [name])
    }

    /// How many experiments there are.
    public static func count(in tx: any StoreTransaction) throws -> Int {
        try tx.value(Int.self, "SELECT COUNT(*) FROM experiments") ?? 0
    }
}

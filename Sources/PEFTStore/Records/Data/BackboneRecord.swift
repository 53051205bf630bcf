import Foundation

/// A row of `backbones`: a CLIP backbone directory (Hugging Face layout) this database has used.
public struct BackboneRecord: Sendable, Equatable {
    /// SHA-256 over config.json and model.safetensors.
    public var hash: String
    /// The user-facing name (the directory name by default).
    public var name: String
    /// The directory it was last seen at.
    public var path: String
    /// The config.json text.
    public var configJSON: String
    public var parameterCount: Int?
    public var createdAt: Double

    public init(hash: String, name: String, path: String, configJSON: String, parameterCount: Int?, createdAt: Double) {
        self.hash = hash
        self.name = name
        self.path = path
        self.configJSON = configJSON
        self.parameterCount = parameterCount
        self.createdAt = createdAt
    }

    /// Reads a `SELECT * FROM backbones` row.
    public init(row: SQLRow) throws {
        hash = try row["hash"]
        name = try row["name"]
        path = try row["path"]
        configJSON = try row["config_json"]
        parameterCount = try row["parameter_count"]
        createdAt = try row["created_at"]
    }

    /// Records the backbone, or, when its hash is known, where it was seen last (the rest stays as first stored).
    public func register(in tx: any StoreTransaction) throws {
        try tx.execute("""
            INSERT INTO backbones (hash, name, path, config_json, parameter_count, created_at) VALUES (?, ?, ?, ?, ?, ?)
            ON CONFLICT (hash) DO UPDATE SET path = excluded.path
            """, [hash, name, path, configJSON, parameterCount, createdAt])
    }
}

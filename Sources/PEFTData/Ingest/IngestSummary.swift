import Foundation

/// What one `Ingestor.ingest` call did. `description` is the line the CLI prints.
public struct IngestSummary: Sendable, Equatable, CustomStringConvertible {
    /// Dataset name.
    public var dataset: String
    /// Manifest path.
    public var manifest: String
    /// Data rows in the manifest.
    public var rows: Int
    /// Rows that became new examples.
    public var stored: Int
    /// Rows whose example already existed (same source key).
    public var duplicates: Int
    /// Rows rejected into `quarantine`.
    public var quarantined: Int
    /// Image files newly stored (each distinct file once).
    public var newImages: Int
    /// Wall-clock seconds.
    public var seconds: Double

    /// Manifest rows processed per second.
    public var rowsPerSecond: Double { seconds > 0 ? Double(rows) / seconds : 0 }

    public var description: String {
        "\(dataset): \(rows) rows from \(manifest): \(stored) stored, \(duplicates) duplicates, "
            + "\(quarantined) quarantined; \(newImages) new images "
            + String(format: "(%.0f images/s); ", seconds > 0 ? Double(newImages) / seconds : 0)
            + String(format: "%.1f s (%.0f rows/s)", seconds, rowsPerSecond)
    }
}

/// Progress of an ingest, reported after every committed batch.
public struct IngestProgress: Sendable {
    /// Manifest rows processed so far, and in all.
    public var done: Int
    public var total: Int
    /// Running counts, as in `IngestSummary`.
    public var stored: Int
    public var duplicates: Int
    public var quarantined: Int
    /// Seconds since the ingest started.
    public var elapsed: Double
}

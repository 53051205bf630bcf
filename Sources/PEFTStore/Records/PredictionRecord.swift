import Foundation
import GRDB

/// A row of `predictions`: what a run predicted on a split at a step (see `StoredPredictions` for the blob).
public struct PredictionRecord: Sendable, Equatable {
    public var runID: Int64
    public var split: String
    public var step: Int
    public var predictions: StoredPredictions

    public init(runID: Int64, split: String, step: Int, predictions: StoredPredictions) {
        self.runID = runID
        self.split = split
        self.step = step
        self.predictions = predictions
    }

    /// Inserts this row in the caller's transaction, replacing one of the same (run, split, step): a run that
    /// finishes again after a crash writes the same predictions again.
    public func insert(in db: Database, now: Double) throws {
        try db.execute(sql: """
            INSERT OR REPLACE INTO predictions (run_id, split, step, kind, count, data, created_at)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            """, arguments: [runID, split, step, predictions.kind, predictions.count, predictions.encoded(), now])
    }

    /// The predictions of `runID` on `split` at `step`, if stored.
    /// - Throws: `StoreError.corruptRow` when the blob does not decode.
    public static func fetch(runID: Int64, split: String, step: Int, in db: Database) throws -> PredictionRecord? {
        guard let data = try Data.fetchOne(db, sql: "SELECT data FROM predictions WHERE run_id = ? AND split = ? AND step = ?",
                                           arguments: [runID, split, step]) else { return nil }
        let decoded = try StoredPredictions(decoding: data, origin: "run \(runID), \(split), step \(step)")
        return PredictionRecord(runID: runID, split: split, step: step, predictions: decoded)
    }
}

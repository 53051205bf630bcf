import Foundation

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
    public func insert(in tx: any StoreTransaction, now: Double) throws {
        try tx.insert(Self.insertion, rows: [[.integer(runID), .text(split), .integer(Int64(step)),
                                              .text(predictions.kind), .integer(Int64(predictions.count)),
                                              .blob(predictions.encoded()), .real(now)]])
    }

    static let insertion = SQLInsert(into: "predictions",
                                     columns: ["run_id", "split", "step", "kind", "count", "data", "created_at"],
                                     conflict: .replace(key: ["run_id", "split", "step"]))

    /// Deletes every prediction of a run (a retry from step 0).
    public static func deleteAll(runID: Int64, in tx: any StoreTransaction) throws {
        try tx.execute("DELETE FROM predictions WHERE run_id = ?", [runID])
    }

    /// The predictions of `runID` on `split` at `step`, if stored.
    /// - Throws: `StoreError.corruptRow` when the blob does not decode.
    public static func fetch(runID: Int64, split: String, step: Int, in tx: any StoreTransaction) throws -> PredictionRecord? {
        guard let data = try tx.value(Data.self, "SELECT data FROM predictions WHERE run_id = ? AND split = ? AND step = ?",
                                      [runID, split, step]) else { return nil }
        let decoded = try StoredPredictions(decoding: data, origin: "run \(runID), \(split), step \(step)")
        return PredictionRecord(runID: runID, split: split, step: step, predictions: decoded)
    }
}

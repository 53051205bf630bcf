/// The step a model selection picks for a run (`run_selection`).
public struct RunSelection: Sendable, Equatable {
    public var runID: Int64
    public var step: Int?
    /// Best-val fell back to the last step (no test metrics at the best-validation step).
    public var fallback: Bool

    public init(row: SQLRow) throws {
        runID = try row["run_id"]
        step = try row["step"]
        fallback = try row["fallback"]
    }

    /// The selected step of each run under `selection` ('best-val' | 'last'), by run id.
    public static func steps(selection: String, in tx: any StoreTransaction) throws -> [Int64: RunSelection] {
        let rows = try tx.rows("SELECT run_id, step, fallback FROM run_selection WHERE selection = ?", [selection])
            .map(RunSelection.init)
        return Dictionary(rows.map { ($0.runID, $0) }, uniquingKeysWith: { a, _ in a })
    }
}

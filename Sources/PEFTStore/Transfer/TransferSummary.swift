/// What a transfer wrote: rows added per table, and the experiments skipped because the destination already held
/// them unchanged.
public struct TransferSummary: Sendable, Equatable, CustomStringConvertible {
    /// Rows added per table, in copy order (tables with none left out).
    public var added: [(table: String, rows: Int)]
    /// Experiments the destination already held with the same content (nothing of theirs was written).
    public var unchanged: [String]

    public init(added: [(table: String, rows: Int)] = [], unchanged: [String] = []) {
        self.added = added
        self.unchanged = unchanged
    }

    /// Rows added to `table`.
    public func rows(_ table: String) -> Int { added.first { $0.table == table }?.rows ?? 0 }

    /// One line: `experiments 1, runs 4, metrics 120, …; unchanged: a, b`.
    public var description: String {
        let counts = added.isEmpty ? "nothing new" : added.map { "\($0.table) \($0.rows)" }.joined(separator: ", ")
        return unchanged.isEmpty ? counts : counts + "; already there unchanged: " + unchanged.joined(separator: ", ")
    }

    public static func == (a: TransferSummary, b: TransferSummary) -> Bool {
        a.added.map(\.table) == b.added.map(\.table) && a.added.map(\.rows) == b.added.map(\.rows) && a.unchanged == b.unchanged
    }
}

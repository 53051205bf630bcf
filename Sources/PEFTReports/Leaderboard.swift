import PEFTStore

/// The comparison table of an experiment: one row per configuration, one column per metric, `mean ± std`
/// over seeds, read from the `leaderboard` view.
public enum Leaderboard {
    /// The table for `experiment` with the given metric columns (those absent are left out).
    public static func table(store: Store, experiment: String, metrics: [String]) throws -> TextTable {
        let result = try store.query("""
            SELECT method, grid, metric, seeds, mean, std FROM leaderboard WHERE experiment = ? ORDER BY grid, metric
            """, arguments: [experiment])
        var rows: [String: [String: String]] = [:]
        var order: [String] = []
        var seeds: [String: String] = [:]
        var present = Set<String>()
        for row in result.rows {
            let key = row[0].text + " " + row[1].text
            if rows[key] == nil { order.append(key); rows[key] = [:] }
            let metric = row[2].text
            guard metrics.contains(metric), case .real(let mean) = row[4] else { continue }
            let std: String = if case .real(let s) = row[5] { String(format: " ± %.3f", s) } else { "" }
            rows[key]?[metric] = String(format: "%.3f", mean) + std
            seeds[key] = row[3].text
            present.insert(metric)
        }
        let columns = metrics.filter(present.contains)
        return TextTable(columns: ["configuration", "seeds"] + columns, rows: order.map { key in
            [TextTable.Cell(key), TextTable.Cell(seeds[key] ?? "", kind: .number)]
                + columns.map { TextTable.Cell(rows[key]?[$0] ?? "", kind: .number) }
        })
    }
}

/// How a command prints tabular results.
public enum OutputFormat: String, Sendable, CaseIterable {
    case table, csv, json

    /// Renders `table` in this format.
    public func render(_ table: TextTable) -> String {
        switch self {
        case .table: return table.renderText()
        case .csv: return table.renderCSV()
        case .json: return table.renderJSON()
        }
    }
}

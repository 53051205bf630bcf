import PEFTStore

extension TextTable {
    /// The rows of an SQL query as a table.
    public init(_ result: QueryResult) {
        self.init(columns: result.columns, rows: result.rows.map { row in
            row.map { value in
                switch value {
                case .null: return Cell("NULL", kind: .null)
                case .integer, .real: return Cell(value.text, kind: .number)
                case .text, .blob: return Cell(value.text)
                }
            }
        })
    }
}

import PEFTStore

extension TextTable {
    /// The rows of an SQL query as a table.
    public init(_ result: QueryResult) {
        self.init(columns: result.columns, rows: result.rows.map { $0.map(Cell.init) })
    }
}

extension TextTable.Cell {
    /// One SQL value as a cell: numbers right-aligned and typed in JSON, NULL as null.
    public init(_ value: QueryResult.Value) {
        switch value {
        case .null: self.init("NULL", kind: .null)
        case .integer, .real: self.init(value.text, kind: .number)
        case .text, .blob: self.init(value.text)
        }
    }
}

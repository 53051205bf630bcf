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

    /// A value read from the store, printed as `peftlab sql` prints it (`nil` as NULL, booleans as 0 or 1).
    public init(stored value: some SQLValueConvertible) {
        switch value.sqlValue {
        case .null: self.init(QueryResult.Value.null)
        case .integer(let v): self.init(QueryResult.Value.integer(v))
        case .real(let v): self.init(QueryResult.Value.real(v))
        case .text(let s): self.init(QueryResult.Value.text(s))
        case .blob(let d): self.init(QueryResult.Value.blob(d.count))
        }
    }
}

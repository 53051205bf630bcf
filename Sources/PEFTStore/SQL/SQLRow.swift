import Foundation

/// One result row: its column names and values, read by name with a type (`let id: Int64 = try row["id"]`).
///
/// Reading a column that is missing, NULL for a non-optional type, or of another type throws
/// `StoreError.corruptRow`, never traps: the database may have been edited by hand.
public struct SQLRow: Sendable, Equatable {
    /// Column names in select order.
    public let columns: [String]
    /// Values in select order.
    public let values: [SQLValue]

    public init(columns: [String], values: [SQLValue]) {
        self.columns = columns
        self.values = values
    }

    /// The raw value of a column, or nil when there is no such column.
    public func value(_ column: String) -> SQLValue? {
        columns.firstIndex(of: column).map { values[$0] }
    }

    /// The column decoded as `T` (an `Optional` reads NULL as nil).
    public subscript<T: SQLValueConvertible>(_ column: String) -> T {
        get throws {
            guard let raw = value(column) else {
                throw StoreError.corruptRow(table: "query", detail: "no column '\(column)' in the result")
            }
            guard let decoded = T.decode(raw) else {
                throw StoreError.corruptRow(table: "query", detail: "column '\(column)' holds \(raw.kind), not \(T.self)")
            }
            return decoded
        }
    }

    /// The value at `index` decoded as `T`.
    public subscript<T: SQLValueConvertible>(_ index: Int) -> T {
        get throws {
            guard values.indices.contains(index) else {
                throw StoreError.corruptRow(table: "query", detail: "no column \(index) in the result")
            }
            guard let decoded = T.decode(values[index]) else {
                throw StoreError.corruptRow(table: "query", detail: "column \(index) holds \(values[index].kind), not \(T.self)")
            }
            return decoded
        }
    }
}

extension SQLValue {
    /// What a value is, for error messages.
    var kind: String {
        switch self {
        case .null: return "NULL"
        case .integer: return "an integer"
        case .real: return "a real"
        case .text: return "text"
        case .blob(let d): return "a \(d.count)-byte blob"
        }
    }
}

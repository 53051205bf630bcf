import Foundation

/// Renders rows of text as an aligned plain-text table, CSV (RFC 4180 quoting) or JSON (an array of objects).
///
/// Cells marked numeric are right-aligned in tables and written as JSON numbers.
public struct TextTable: Sendable, Equatable {
    public var columns: [String]
    public var rows: [[Cell]]

    /// One cell: its text and whether it is a number (or SQL NULL).
    public struct Cell: Sendable, Equatable {
        public var text: String
        public var kind: Kind
        public enum Kind: Sendable { case text, number, null }

        public init(_ text: String, kind: Kind = .text) {
            self.text = text
            self.kind = kind
        }
    }

    public init(columns: [String], rows: [[Cell]]) {
        self.columns = columns
        self.rows = rows
    }

    /// Plain text with a header, a rule and space-padded columns; numbers right-aligned.
    public func renderText() -> String {
        guard !columns.isEmpty else { return "" }
        var widths = columns.map(\.count)
        for row in rows {
            for (i, cell) in row.enumerated() where i < widths.count { widths[i] = max(widths[i], cell.text.count) }
        }
        func line(_ cells: [Cell]) -> String {
            cells.enumerated().map { i, cell in
                let pad = String(repeating: " ", count: widths[i] - cell.text.count)
                return cell.kind == .text ? cell.text + pad : pad + cell.text
            }.joined(separator: "  ").replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression)
        }
        var out = [line(columns.map { Cell($0) }), widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ")]
        out += rows.map(line)
        out.append("(\(rows.count) row\(rows.count == 1 ? "" : "s"))")
        return out.joined(separator: "\n") + "\n"
    }

    /// CSV with a header row; fields quoted when they hold a comma, quote or newline. NULL is an empty field.
    public func renderCSV() -> String {
        func field(_ s: String) -> String {
            s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" })
                ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
        }
        var out = columns.map(field).joined(separator: ",") + "\n"
        for row in rows {
            out += row.map { $0.kind == .null ? "" : field($0.text) }.joined(separator: ",") + "\n"
        }
        return out
    }

    /// A JSON array with one object per row, keys in column order; numbers and null typed as such.
    public func renderJSON() -> String {
        let objects = rows.map { row -> String in
            let pairs = zip(columns, row).map { column, cell -> String in
                let value: String
                switch cell.kind {
                case .null: value = "null"
                case .number: value = Double(cell.text).map { $0.isFinite ? cell.text : "null" } ?? Self.quote(cell.text)
                case .text: value = Self.quote(cell.text)
                }
                return Self.quote(column) + ":" + value
            }
            return "{" + pairs.joined(separator: ",") + "}"
        }
        return "[" + objects.joined(separator: ",\n ") + "]\n"
    }

    /// A JSON string literal for `s` (JSON's escapes; `/` left as it is).
    public static func quote(_ s: String) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        return (try? encoder.encode(s)).map { String(decoding: $0, as: UTF8.self) } ?? "\"\""
    }
}

/// RFC 4180-style splitting of CSV/TSV lines into records. A quoted field may span lines, but at most
/// `maxRecordLines` of them: a quote that does not close by then (or by the end of the file), or a multi-line
/// record with the wrong number of cells, is an unbalanced quote, not a record. Its first line is reported as
/// unparseable and parsing resumes on the next line, so one stray quote costs one row, never the rows after it.
enum DelimitedParser {
    /// Physical lines a quoted field may span before its quote counts as unbalanced.
    static let maxRecordLines = 64

    struct Record {
        /// The physical line the record starts on.
        var line: Int
        /// How many physical lines it covers.
        var lineCount: Int
        var cells: [String]
        var error: String?
    }

    /// Every record of `lines`. Each physical line belongs to exactly one record, so the records' `lineCount`s add
    /// up to the file's lines. With `columns`, a multi-line record whose cell count differs is re-split.
    static func records(_ lines: [ManifestLines.Line], separator: Character, columns: Int? = nil) -> [Record] {
        var records: [Record] = []
        var index = 0
        while index < lines.count {
            let record = parse(lines, from: index, separator: separator)
            let malformed = record.error != nil || (columns != nil && record.cells.count != columns
                                                    && !(record.cells.count == 1 && record.cells[0].isEmpty))
            if record.lineCount > 1 && malformed {
                let how = record.error == "unterminated quoted field"
                    ? "never closes (within \(maxRecordLines) lines)"
                    : "closes only \(record.lineCount - 1) lines later, leaving a malformed row"
                records.append(Record(line: lines[index].number, lineCount: 1, cells: [], error:
                    "unbalanced quote: a quoted field opens on this line and \(how); double every quote inside a "
                        + "field and close each quoted field"))
                index += 1
                continue
            }
            records.append(record)
            index += record.lineCount
        }
        return records
    }

    /// One record starting at `lines[start]`.
    private static func parse(_ lines: [ManifestLines.Line], from start: Int, separator: Character) -> Record {
        var cells: [String] = []
        var cell = ""
        var quoted = false, afterQuote = false
        var error: String?
        var index = start
        while index < lines.count {
            let line = lines[index]
            guard let text = line.text else {
                if index == start {
                    return Record(line: line.number, lineCount: 1, cells: [], error: ManifestLines.invalidUTF8Reason(line))
                }
                error = error ?? "unterminated quoted field"  // the invalid line gets its own record
                break
            }
            var iterator = text.makeIterator()
            var pending: Character?
            while let ch = pending ?? iterator.next() {
                pending = nil
                if quoted {
                    if ch == "\"" {
                        if let next = iterator.next() {
                            if next == "\"" { cell.append("\"") } else { quoted = false; afterQuote = true; pending = next }
                        } else { quoted = false; afterQuote = true }
                    } else {
                        cell.append(ch)
                    }
                    continue
                }
                switch ch {
                case "\"":
                    if cell.isEmpty && !afterQuote { quoted = true } else if error == nil {
                        error = "stray quote inside an unquoted field"
                    }
                case separator:
                    cells.append(cell)
                    cell = ""
                    afterQuote = false
                default:
                    if afterQuote && error == nil { error = "text after a closing quote" }
                    cell.append(ch)
                }
            }
            index += 1
            if !quoted { break }
            if index - start >= maxRecordLines || index == lines.count {
                error = error ?? "unterminated quoted field"
                break
            }
            cell += line.terminator
        }
        cells.append(cell)
        return Record(line: lines[start].number, lineCount: index - start, cells: cells, error: error)
    }
}

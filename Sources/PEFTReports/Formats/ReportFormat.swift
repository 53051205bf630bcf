import Foundation

/// The output formats of `peftlab report`.
public enum ReportFormat: String, Sendable, CaseIterable {
    case table, markdown, csv, latex, html, json
}

extension ComparisonReport {
    /// The report in `format`: one table per experiment (text formats), one file (HTML, JSON, CSV).
    public func rendered(as format: ReportFormat) -> String {
        switch format {
        case .table: return plainText()
        case .markdown: return markdown()
        case .latex: return latex()
        case .csv: return csv()
        case .json: return json()
        case .html: return html()
        }
    }

    /// The comparison tables as aligned plain text: what a terminal shows (e.g. at the end of the quickstart).
    public func plainText() -> String {
        experiments.map { experiment in
            let table = ReportTable(experiment, options: options)
            let text = TextTable(columns: table.header, rows: table.rows.map { row in
                row.map { TextTable.Cell($0.text, kind: $0.numeric ? .number : .text) }
            }).renderText()
            return table.caption + "\n\n" + text
        }.joined(separator: "\n")
    }

    /// GitHub-flavoured Markdown: a caption paragraph, then a pipe table with the best mean per metric in bold.
    public func markdown() -> String {
        experiments.map { experiment in
            let table = ReportTable(experiment, options: options)
            func escape(_ s: String) -> String { s.replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "*", with: "\\*") }
            var lines = ["**\(escape(experiment.name))** " + escape(table.caption.dropFirst(experiment.name.count).trimmingCharacters(in: .whitespaces)), ""]
            lines.append("| " + table.header.map(escape).joined(separator: " | ") + " |")
            lines.append("|" + table.header.indices.map { $0 == 0 ? " --- |" : " ---: |" }.joined())
            for row in table.rows {
                lines.append("| " + row.map { $0.bold ? "**\(escape($0.text))**" : escape($0.text) }.joined(separator: " | ") + " |")
            }
            return lines.joined(separator: "\n") + "\n"
        }.joined(separator: "\n")
    }

    /// One `table` float per experiment in `booktabs` style (needs `\usepackage{booktabs}`); the best mean per
    /// metric in bold, ± and symbols in math mode, LaTeX's special characters escaped.
    public func latex() -> String {
        experiments.map { experiment in
            let table = ReportTable(experiment, options: options)
            let alignment = "l" + String(repeating: "r", count: table.header.count - 1)
            var lines = ["\\begin{table}[t]", "\\centering", "\\small",
                         "\\caption{\(Self.latexEscape(table.caption))}",
                         "\\label{tab:\(experiment.name.filter { $0.isLetter || $0.isNumber || $0 == "-" })}",
                         "\\begin{tabular}{\(alignment)}", "\\toprule",
                         table.header.map(Self.latexEscape).joined(separator: " & ") + " \\\\", "\\midrule"]
            for row in table.rows {
                lines.append(row.map { $0.bold ? "\\textbf{\(Self.latexEscape($0.text))}" : Self.latexEscape($0.text) }
                    .joined(separator: " & ") + " \\\\")
            }
            lines += ["\\bottomrule", "\\end{tabular}", "\\end{table}"]
            return lines.joined(separator: "\n") + "\n"
        }.joined(separator: "\n")
    }

    /// Text for a LaTeX document: special characters escaped; ±, Δ, †, ‡, – as LaTeX commands; a run of
    /// significance stars as one superscript.
    static func latexEscape(_ s: String) -> String {
        var out = ""
        var stars = 0
        func flushStars() {
            if stars > 0 { out += "$^{" + String(repeating: "*", count: stars) + "}$" }
            stars = 0
        }
        for c in s {
            if c == "*" { stars += 1; continue }
            flushStars()
            switch c {
            case "\\": out += "\\textbackslash{}"
            case "&", "%", "$", "#", "_", "{", "}": out += "\\\(c)"
            case "~": out += "\\textasciitilde{}"
            case "^": out += "\\textasciicircum{}"
            case "±": out += "$\\pm$"
            case "Δ": out += "$\\Delta$"
            case "†": out += "\\textdagger{}"
            case "‡": out += "\\textdaggerdbl{}"
            case "–": out += "--"
            case "<": out += "$<$"
            case ">": out += "$>$"
            default: out.append(c)
            }
        }
        flushStars()
        return out
    }
}

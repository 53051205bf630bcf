import Foundation
import PEFTMethods

/// An experiment's table as cells of text for people (plain text, Markdown, LaTeX, HTML), with the caption that
/// states model selection, aggregation and the tests; which cells are best (bold) is decided here once.
struct ReportTable {
    struct Cell {
        var text: String
        var numeric = false
        var bold = false
    }

    var caption: String
    var header: [String]
    var rows: [[Cell]]

    init(_ table: ExperimentTable, options: ReportOptions) {
        let hasBaseline = table.baseline != nil
        let first = table.metrics.first ?? ""
        let showMcNemar = hasBaseline && table.rows.contains { $0.comparisons["accuracy"]?.mcnemarMaxP != nil }
        header = ["configuration", "seeds", "trainable"] + table.metrics
        if hasBaseline { header += ["Δ \(first) [95% CI]", "p (t-test)"] + (showMcNemar ? ["p (McNemar)"] : []) }
        header += ["step", "s/run", "examples/s"]
        let best = Dictionary(table.metrics.map { metric in
            let means = table.rows.compactMap { $0.values[metric]?.mean }
            return (metric, TaskKind.higherIsBetter(metric) ? means.max() : means.min())
        }, uniquingKeysWith: { a, _ in a })
        rows = table.rows.map { row in
            var cells = [Cell(text: row.label + (row.isBaseline ? " (baseline)" : "") + (row.fallbacks > 0 ? " †" : "")),
                         Cell(text: Self.seeds(row), numeric: true),
                         Cell(text: Self.parameters(row), numeric: true)]
            for metric in table.metrics {
                let summary = row.values[metric]
                var text = Self.meanStd(summary)
                if let summary, summary.n > 0, summary.n < row.states.succeeded { text += " (n=\(summary.n))" }
                if let summary, summary.recomputed > 0 { text += " ‡" }
                if let p = row.comparisons[metric]?.tTest?.p { text += Self.marker(p) }
                let isBest: Bool
                if let mean = summary?.mean, let top = best[metric] ?? nil { isBest = mean == top } else { isBest = false }
                cells.append(Cell(text: text, numeric: true, bold: isBest))
            }
            if hasBaseline {
                let comparison = row.comparisons[first]
                cells.append(Cell(text: comparison?.bootstrap.map(Self.interval) ?? "", numeric: true))
                cells.append(Cell(text: comparison?.tTest.map { Self.p($0.p) } ?? "", numeric: true))
                if showMcNemar { cells.append(Cell(text: row.comparisons["accuracy"]?.mcnemarMaxP.map(Self.p) ?? "", numeric: true)) }
            }
            cells.append(Cell(text: row.steps.map { $0.lowerBound == $0.upperBound ? "\($0.lowerBound)" : "\($0.lowerBound)–\($0.upperBound)" } ?? "",
                              numeric: true))
            cells.append(Cell(text: row.seconds.map { String(format: "%.1f", $0) } ?? "", numeric: true))
            cells.append(Cell(text: row.examplesPerSecond.map { String(format: "%.0f", $0) } ?? "", numeric: true))
            return cells
        }
        caption = Self.caption(table, options: options, mcnemar: showMcNemar)
    }

    static func caption(_ table: ExperimentTable, options: ReportOptions, mcnemar: Bool) -> String {
        var parts = ["\(table.name) (\(table.task) on \(table.dataset), \(options.split) split): \(options.selection.caption)"
                     + (options.selection == .bestVal ? " (val \(table.targetMetric))" : "")
                     + "; mean ± sample std over seeds; trainable parameters with their share of the run's model."]
        let fallbacks = table.rows.reduce(0) { $0 + $1.fallbacks }
        if fallbacks > 0 {
            parts.append("† \(fallbacks) run\(fallbacks == 1 ? "" : "s") had no \(options.split) evaluation at the best-validation step "
                         + "(no val split, or finished before PEFTLab evaluated the test split there): the last step is shown.")
        }
        if table.rows.contains(where: { $0.values.values.contains { $0.recomputed > 0 } }) {
            parts.append("‡ recomputed from stored predictions for runs that did not record the metric.")
        }
        if let baseline = table.baseline {
            let conditions = options.baseline.map(\.description).joined(separator: " ")
            var text = "Baseline: \(baseline) (\(conditions)\(table.baselineExperiment.map { ", experiment \($0)" } ?? "")); "
                + "* p < 0.05, ** p < 0.01, *** p < 0.001: paired t-test over seeds, two-sided; "
                + "Δ: seed-averaged difference in \(table.metrics.first ?? "") with a \(Int(options.bootstrap.confidence * 100))% paired-bootstrap CI "
                + "over \(options.split) examples (\(options.bootstrap.resamples) resamples, seed \(options.bootstrap.seed))"
            if mcnemar { text += "; McNemar (accuracy): exact two-sided test per paired seed, largest p shown" }
            parts.append(text + ".")
        } else if !options.baseline.isEmpty {
            parts.append("No configuration of this experiment (or one comparable) matches the baseline.")
        }
        return parts.joined(separator: " ")
    }

    /// `3`, or `2/3 (1 running)` for a group not every run of which succeeded.
    static func seeds(_ row: ConfigurationRow) -> String {
        let unfinished = row.states.unfinished
        return unfinished.isEmpty ? "\(row.states.succeeded)" : "\(row.states.succeeded)/\(row.states.total) (\(unfinished))"
    }

    /// `491 520 (0.33%)`, or the count alone for runs on stored features.
    static func parameters(_ row: ConfigurationRow) -> String {
        guard let count = row.trainableParams else { return "" }
        return grouped(count) + (row.trainablePercent.map { String(format: " (%.3g%%)", $0) } ?? "")
    }

    static func grouped(_ n: Int) -> String {
        let digits = Array(String(n))
        var out = ""
        for (i, d) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out += "," }
            out.append(d)
        }
        return out
    }

    static func meanStd(_ summary: MetricSummary?) -> String {
        guard let summary, let mean = summary.mean else { return "–" }
        return String(format: "%.3f", mean) + (summary.std.map { String(format: " ± %.3f", $0) } ?? "")
    }

    static func marker(_ p: Double) -> String {
        let m = PairedTTest.marker(p: p)
        return m.isEmpty ? "" : " " + m
    }

    static func interval(_ b: BootstrapInterval) -> String {
        // Values that round to zero print as +0.000, never -0.000.
        func signed(_ v: Double) -> String { String(format: "%+.3f", abs(v) < 0.0005 ? 0 : v) }
        return "\(signed(b.observed)) [\(signed(b.low)), \(signed(b.high))]"
    }

    static func p(_ p: Double) -> String {
        guard p.isFinite else { return "–" }
        return p < 0.001 ? String(format: "%.1e", p) : String(format: "%.3f", p)
    }
}

import Foundation

extension ComparisonReport {
    /// One self-contained HTML page (inline CSS and SVG; no scripts, fonts or fetches): per experiment the run
    /// status, the comparison table, learning curves (training loss and the validation target metric: mean line and
    /// min–max band over seeds, per configuration) and trainable parameters against the first metric (log x).
    public func html() -> String {
        var out = """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><title>PEFTLab report</title>
            <style>
            body{font-family:-apple-system,"Segoe UI",Helvetica,Arial,sans-serif;margin:20px;color:#222}
            h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 6px;border-bottom:1px solid #ddd;padding-bottom:4px}
            p.caption{font-size:13px;color:#444;max-width:1100px}table{border-collapse:collapse;font-size:12.5px;margin:8px 0}
            th,td{padding:3px 7px;border-bottom:1px solid #e4e4e4;white-space:nowrap}th{border-bottom:2px solid #888;text-align:left}th.n{text-align:right}
            td.n{text-align:right;font-variant-numeric:tabular-nums}tr.baseline td{background:#f4f7fb}
            .status span{display:inline-block;margin-right:8px;padding:2px 8px;border-radius:10px;font-size:12px;background:#eee}
            .status .succeeded{background:#dff0d8}.status .running{background:#fcf3cf}.status .failed{background:#f8d7da}
            .charts{display:flex;flex-wrap:wrap;gap:16px;align-items:flex-start}.t{font-size:12px;font-weight:bold}
            .legend{font-size:12px;margin:4px 0 0}.legend span{margin-right:14px;white-space:nowrap}
            .legend i{display:inline-block;width:12px;height:12px;margin-right:4px;vertical-align:-2px}
            </style></head><body>
            <h1>PEFTLab report</h1>
            <p class="caption">\(SVGChart.escape(summary))</p>

            """
        for experiment in experiments {
            let table = ReportTable(experiment, options: options)
            out += "<section><h2>\(SVGChart.escape(experiment.name))</h2>\n<div class=\"status\">"
            let s = experiment.states
            for (count, name) in [(s.succeeded, "succeeded"), (s.running, "running"), (s.queued, "queued"), (s.failed, "failed"),
                                  (s.cancelled, "cancelled")] where count > 0 || name == "succeeded" {
                out += "<span class=\"\(name)\">\(count) \(name)</span>"
            }
            out += "<span>\(s.total) runs</span></div>\n"
            out += "<p class=\"caption\">\(SVGChart.escape(table.caption))</p>\n<table>\n<tr>"
            out += table.header.enumerated().map { i, name in
                "<th\(i > 0 && table.rows.first?[i].numeric == true ? " class=\"n\"" : "")>\(SVGChart.escape(name))</th>"
            }.joined() + "</tr>\n"
            for (row, cells) in zip(experiment.rows, table.rows) {
                out += row.isBaseline ? "<tr class=\"baseline\">" : "<tr>"
                for cell in cells {
                    let text = SVGChart.escape(cell.text)
                    out += "<td\(cell.numeric ? " class=\"n\"" : "")>\(cell.bold ? "<b>\(text)</b>" : text)</td>"
                }
                out += "</tr>\n"
            }
            out += "</table>\n"
            out += charts(experiment)
            out += "</section>\n"
        }
        return out + "</body></html>\n"
    }

    /// The options in one sentence (the page's subtitle).
    var summary: String {
        "Split \(options.split); model selection \(options.selection.rawValue); "
            + (options.baseline.isEmpty ? "no baseline" : "baseline " + options.baseline.map(\.description).joined(separator: " "))
            + "; \(experiments.count) experiment\(experiments.count == 1 ? "" : "s")."
    }

    private func charts(_ experiment: ExperimentTable) -> String {
        let colors = experiment.rows.indices.map { SVGChart.palette[$0 % SVGChart.palette.count] }
        func series(_ pick: (ConfigurationCurves) -> [CurvePoint]) -> [SVGChart.Series] {
            zip(experiment.curves, colors).map { curves, color in
                SVGChart.Series(label: curves.label, color: color,
                                points: pick(curves).map { (Double($0.step), $0.mean, $0.low, $0.high) })
            }
        }
        let metric = experiment.metrics.first ?? ""
        let scatter = zip(experiment.rows, colors).compactMap { row, color -> SVGChart.Series? in
            guard let params = row.trainableParams, let summary = row.values[metric], let mean = summary.mean else { return nil }
            let values = summary.perSeed.values
            return SVGChart.Series(label: row.label, color: color,
                                   points: [(Double(params), mean, values.min() ?? mean, values.max() ?? mean)])
        }
        var out = "<div class=\"charts\">"
        out += SVGChart.lines(title: "training loss", xLabel: "step", yLabel: "loss", series: series(\.trainLoss))
        out += SVGChart.lines(title: "val \(experiment.targetMetric)", xLabel: "step", yLabel: experiment.targetMetric,
                              series: series(\.valMetric))
        out += SVGChart.scatter(title: "trainable parameters vs \(options.split) \(metric)", xLabel: "trainable parameters (log)",
                                yLabel: metric, series: scatter)
        out += "</div>\n<div class=\"legend\">"
        out += zip(experiment.rows, colors).map { row, color in
            "<span><i style=\"background:\(color)\"></i>\(SVGChart.escape(row.label))</span>"
        }.joined()
        return out + " <span>lines: mean over seeds; bands and bars: min–max</span></div>\n"
    }
}

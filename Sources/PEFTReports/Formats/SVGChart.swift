import Foundation

/// Small self-contained SVG charts for the HTML report: line charts with a band per series, and a scatter plot
/// with a logarithmic x axis. Pure strings, no scripts; coordinates rounded to 0.1 px so output is stable.
enum SVGChart {
    /// One plotted series: points (x, y, band low, band high) and its colour.
    struct Series {
        var label: String
        var color: String
        var points: [(x: Double, y: Double, low: Double, high: Double)]
    }

    static let palette = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7",
                          "#9c755f", "#bab0ac"]

    static let width = 440.0, height = 260.0
    static let left = 56.0, right = 12.0, top = 26.0, bottom = 40.0

    /// Mean lines with a shaded min–max band over seeds, per series.
    static func lines(title: String, xLabel: String, yLabel: String, series: [Series]) -> String {
        let all = series.flatMap(\.points)
        guard !all.isEmpty else { return empty(title) }
        let xs = axis(all.map(\.x), log: false), ys = axis(all.flatMap { [$0.low, $0.high, $0.y] }, log: false)
        var body = frame(title: title, xLabel: xLabel, yLabel: yLabel, x: xs, y: ys)
        for s in series where !s.points.isEmpty {
            let upper = s.points.map { "\(f(xs.map($0.x))),\(f(ys.map($0.high, flip: true)))" }
            let lower = s.points.reversed().map { "\(f(xs.map($0.x))),\(f(ys.map($0.low, flip: true)))" }
            body += "<polygon points=\"\((upper + lower).joined(separator: " "))\" fill=\"\(s.color)\" fill-opacity=\"0.18\" stroke=\"none\"/>"
            let line = s.points.map { "\(f(xs.map($0.x))),\(f(ys.map($0.y, flip: true)))" }.joined(separator: " ")
            body += "<polyline points=\"\(line)\" fill=\"none\" stroke=\"\(s.color)\" stroke-width=\"1.6\"/>"
            if s.points.count == 1, let p = s.points.first {
                body += "<circle cx=\"\(f(xs.map(p.x)))\" cy=\"\(f(ys.map(p.y, flip: true)))\" r=\"3\" fill=\"\(s.color)\"/>"
            }
        }
        return wrap(body)
    }

    /// One labelled point per series (its first point) on a log-scaled x axis, with error bars (band).
    static func scatter(title: String, xLabel: String, yLabel: String, series: [Series]) -> String {
        let points = series.compactMap { s in s.points.first.map { (s, $0) } }.filter { $0.1.x > 0 }
        guard !points.isEmpty else { return empty(title) }
        let xs = axis(points.map(\.1.x), log: true), ys = axis(points.flatMap { [$0.1.low, $0.1.high, $0.1.y] }, log: false)
        var body = frame(title: title, xLabel: xLabel, yLabel: yLabel, x: xs, y: ys)
        for (s, p) in points {
            let x = f(xs.map(p.x))
            body += "<line x1=\"\(x)\" x2=\"\(x)\" y1=\"\(f(ys.map(p.low, flip: true)))\" y2=\"\(f(ys.map(p.high, flip: true)))\" stroke=\"\(s.color)\"/>"
            body += "<circle cx=\"\(x)\" cy=\"\(f(ys.map(p.y, flip: true)))\" r=\"4\" fill=\"\(s.color)\"><title>\(escape(s.label))</title></circle>"
            let px = xs.map(p.x), anchor = px > width - 120 ? "end" : "start"
            body += "<text x=\"\(f(px + (anchor == "end" ? -6 : 6)))\" y=\"\(f(ys.map(p.y, flip: true) - 5))\" text-anchor=\"\(anchor)\" "
                + "font-size=\"9\" fill=\"#333\">\(escape(String(s.label.prefix(28))))</text>"
        }
        return wrap(body)
    }

    /// A linear or log10 mapping from data to pixels with its tick values.
    struct Axis {
        var low: Double, high: Double, log: Bool, ticks: [Double]

        func position(_ v: Double) -> Double {
            let (a, b, x) = log ? (Foundation.log10(low), Foundation.log10(high), Foundation.log10(v)) : (low, high, v)
            return b > a ? (x - a) / (b - a) : 0.5
        }

        /// Pixel x (or y with `flip`) of `v` inside the plot area.
        func map(_ v: Double, flip: Bool = false) -> Double {
            flip ? SVGChart.top + (1 - position(v)) * (SVGChart.height - SVGChart.top - SVGChart.bottom)
                : SVGChart.left + position(v) * (SVGChart.width - SVGChart.left - SVGChart.right)
        }
    }

    /// Range and ticks covering `values`: "nice" steps (1, 2, 5 × 10ⁿ), or powers of ten on a log axis.
    static func axis(_ values: [Double], log: Bool) -> Axis {
        let finite = values.filter { $0.isFinite && (!log || $0 > 0) }
        var low = finite.min() ?? 0, high = finite.max() ?? 1
        if log {
            let a = floor(log10(low)), b = ceil(log10(high))
            let top = b > a ? b : a + 1
            return Axis(low: pow(10, a), high: pow(10, top), log: true, ticks: stride(from: a, through: top, by: 1).map { pow(10, $0) })
        }
        if high - low < 1e-12 { low -= 0.5 * max(abs(low), 1e-3); high += 0.5 * max(abs(high), 1e-3) }
        let raw = (high - low) / 5, magnitude = pow(10, floor(log10(raw)))
        let step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? raw
        let start = floor(low / step) * step, end = ceil(high / step) * step
        return Axis(low: start, high: end, log: false, ticks: stride(from: start, through: end + step / 2, by: step).map { $0 })
    }

    private static func frame(title: String, xLabel: String, yLabel: String, x: Axis, y: Axis) -> String {
        let plotBottom = height - bottom, plotRight = width - right
        var out = "<text x=\"\(f(width / 2))\" y=\"16\" text-anchor=\"middle\" class=\"t\">\(escape(title))</text>"
        out += "<rect x=\"\(f(left))\" y=\"\(f(top))\" width=\"\(f(plotRight - left))\" height=\"\(f(plotBottom - top))\" fill=\"none\" stroke=\"#999\"/>"
        for t in x.ticks {
            let px = f(x.map(t))
            out += "<line x1=\"\(px)\" x2=\"\(px)\" y1=\"\(f(top))\" y2=\"\(f(plotBottom))\" stroke=\"#eee\"/>"
            out += "<text x=\"\(px)\" y=\"\(f(plotBottom + 14))\" text-anchor=\"middle\">\(tick(t, log: x.log))</text>"
        }
        for t in y.ticks {
            let py = f(y.map(t, flip: true))
            out += "<line x1=\"\(f(left))\" x2=\"\(f(plotRight))\" y1=\"\(py)\" y2=\"\(py)\" stroke=\"#eee\"/>"
            out += "<text x=\"\(f(left - 4))\" y=\"\(py)\" text-anchor=\"end\" dominant-baseline=\"middle\">\(tick(t, log: false))</text>"
        }
        out += "<text x=\"\(f((left + plotRight) / 2))\" y=\"\(f(height - 6))\" text-anchor=\"middle\">\(escape(xLabel))</text>"
        out += "<text transform=\"translate(12,\(f((top + plotBottom) / 2))) rotate(-90)\" text-anchor=\"middle\">\(escape(yLabel))</text>"
        return out
    }

    private static func tick(_ v: Double, log: Bool) -> String {
        if log {
            let e = Int(log10(v).rounded())
            return e >= 3 && e % 3 == 0 ? "1e\(e)" : (e < 3 && e >= 0 ? String(Int(v)) : "1e\(e)")
        }
        let magnitude = abs(v)
        if magnitude == 0 { return "0" }
        if magnitude >= 10_000 { return String(format: "%.0e", v) }
        if magnitude >= 10 { return String(format: "%.0f", v) }
        let text = String(format: "%.4g", v)
        return text
    }

    private static func empty(_ title: String) -> String {
        wrap("<text x=\"\(f(width / 2))\" y=\"16\" text-anchor=\"middle\" class=\"t\">\(escape(title))</text>"
             + "<text x=\"\(f(width / 2))\" y=\"\(f(height / 2))\" text-anchor=\"middle\" fill=\"#888\">no data yet</text>")
    }

    private static func wrap(_ body: String) -> String {
        "<svg width=\"\(Int(width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" "
            + "font-family=\"sans-serif\" font-size=\"10\">" + body + "</svg>"
    }

    static func f(_ v: Double) -> String { String(format: "%.1f", v) }

    /// Text for XML content and attributes.
    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}

import Foundation

/// A one-line progress bar with rate and ETA, drawn on standard error only when it is a terminal (so logs and
/// pipes stay clean). Redraws at most ten times a second.
///
///     sarcasm [##########----------]  200/400  512 rows/s  ETA 0:00  0 quarantined
public final class ProgressBar: @unchecked Sendable {
    private let label: String
    private let total: Int
    private let enabled: Bool
    private let unit: String
    private let start = Date()
    private var lastDraw = Date.distantPast
    private var drewSomething = false

    /// True when standard error is a terminal.
    public static var standardErrorIsTerminal: Bool { isatty(STDERR_FILENO) == 1 }

    /// A bar for `total` items; `enabled` defaults to whether stderr is a TTY.
    public init(label: String, total: Int, unit: String = "rows", enabled: Bool = ProgressBar.standardErrorIsTerminal) {
        self.label = label
        self.total = total
        self.unit = unit
        self.enabled = enabled
    }

    /// Redraws with `done` items finished (throttled; always draws the final state). `elapsed` overrides the
    /// time since the bar was created (when the work started before the bar knew its total).
    public func update(done: Int, elapsed: Double? = nil, detail: String = "") {
        guard enabled else { return }
        let now = Date()
        guard done >= total || now.timeIntervalSince(lastDraw) >= 0.1 else { return }
        lastDraw = now
        let line = Self.format(label: label, done: done, total: total, elapsed: elapsed ?? now.timeIntervalSince(start),
                               unit: unit, detail: detail)
        FileHandle.standardError.write(Data(("\r" + line + "\u{1B}[K").utf8))
        drewSomething = true
    }

    /// Ends the bar's line.
    public func finish() {
        guard enabled, drewSomething else { return }
        FileHandle.standardError.write(Data("\n".utf8))
    }

    /// The bar's text (pure, for tests): label, 20-cell bar, counts, rate and ETA.
    public static func format(label: String, done: Int, total: Int, elapsed: Double, unit: String = "rows",
                              detail: String = "") -> String {
        let fraction = total > 0 ? min(1, Double(done) / Double(total)) : 1
        let cells = Int((fraction * 20).rounded(.down))
        let rate = elapsed > 0 ? Double(done) / elapsed : 0
        let remaining = rate > 0 ? Double(total - done) / rate : 0
        let eta = String(format: "%d:%02d", Int(remaining) / 60, Int(remaining) % 60)
        let width = String(total).count
        let counts = String(repeating: " ", count: max(0, width - String(done).count)) + "\(done)/\(total)"
        return "\(label) [" + String(repeating: "#", count: cells) + String(repeating: "-", count: 20 - cells) + "]  "
            + counts + String(format: "  %.0f %@/s  ETA ", rate, unit) + eta + (detail.isEmpty ? "" : "  " + detail)
    }
}

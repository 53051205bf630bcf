import Foundation

/// Live progress lines on a terminal (one per active item, redrawn in place) with rate and ETA.
///
/// Silent when standard error is not a TTY (pipes, CI), so logs stay clean.
public final class ProgressBoard: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String: String] = [:]
    private var order: [String] = []
    private var drawn = 0
    private var lastDraw: UInt64 = 0
    public let isTerminal: Bool

    public init(isTerminal: Bool = isatty(STDERR_FILENO) == 1) {
        self.isTerminal = isTerminal
    }

    /// Sets the line for `key` (redrawn at most 10 times a second).
    public func update(_ key: String, _ text: String) {
        guard isTerminal else { return }
        lock.withLock {
            if lines[key] == nil { order.append(key) }
            lines[key] = text
            let now = DispatchTime.now().uptimeNanoseconds
            if now - lastDraw > 100_000_000 { redraw(); lastDraw = now }
        }
    }

    /// Removes `key`'s line and, when `message` is given, prints it above the live lines.
    public func finish(_ key: String, _ message: String? = nil) {
        lock.withLock {
            lines[key] = nil
            order.removeAll { $0 == key }
            if isTerminal {
                clear()
                if let message { FileHandle.standardError.write(Data((message + "\n").utf8)) }
                redraw()
            }
        }
    }

    /// Clears the live lines (call before printing a final summary).
    public func close() { lock.withLock { if isTerminal { clear() } } }

    private func clear() {
        guard drawn > 0 else { return }
        FileHandle.standardError.write(Data((String(repeating: "\u{1B}[1A\u{1B}[2K", count: drawn)).utf8))
        drawn = 0
    }

    private func redraw() {
        clear()
        let text = order.compactMap { lines[$0] }.map { $0 + "\n" }.joined()
        FileHandle.standardError.write(Data(text.utf8))
        drawn = order.count
    }

    /// `12.3/s, ETA 1m05s` for `remaining` items at `rate` per second.
    public static func rateAndETA(rate: Double, remaining: Int, unit: String = "/s") -> String {
        guard rate > 0, rate.isFinite else { return "-" }
        return String(format: "%.1f%@, ETA %@", rate, unit, duration(seconds: Double(remaining) / rate))
    }

    /// `1h05m`, `3m07s` or `12s`.
    public static func duration(seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return s >= 3600 ? "\(s / 3600)h\(String(format: "%02d", s % 3600 / 60))m"
            : s >= 60 ? "\(s / 60)m\(String(format: "%02d", s % 60))s" : "\(s)s"
    }

    /// A progress bar line: label, 20-cell bar, counts, rate and ETA.
    ///
    ///     sarcasm [##########----------]  200/400  512 rows/s  ETA 0:00  0 quarantined
    public static func bar(label: String, done: Int, total: Int, elapsed: Double, unit: String = "rows",
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

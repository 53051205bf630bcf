import Foundation

/// One measured case of `peftlab bench`: a name, the best time per iteration, and named figures.
public struct BenchmarkResult: Codable, Equatable, Sendable {
    /// The suite: `gemm`, `ops` or `layer`.
    public var suite: String
    /// The case, e.g. `1600x768 @ 768x3072` or `layer_norm forward`.
    public var name: String
    /// Best (minimum) seconds per iteration of the engine side.
    public var seconds: Double
    /// Figures such as `engine_gflops`, `sgemm_gflops`, `ratio`, `gbps`, in a fixed order for tables.
    public var metrics: [Metric]

    /// A named figure.
    public struct Metric: Codable, Equatable, Sendable {
        public var name: String
        public var value: Double
    }

    public init(suite: String, name: String, seconds: Double, metrics: [(String, Double)]) {
        self.suite = suite
        self.name = name
        self.seconds = seconds
        self.metrics = metrics.map { Metric(name: $0.0, value: $0.1) }
    }

    /// The figure called `name`, if present.
    public func metric(_ name: String) -> Double? { metrics.first { $0.name == name }?.value }
}

/// How a benchmark run was set up (printed with the results).
public struct BenchmarkSettings: Codable, Equatable, Sendable {
    /// Kernel and BLAS threads.
    public var threads: Int
    /// Timed iterations per case (after one warm-up); the fastest is reported.
    public var repeats: Int

    public init(threads: Int, repeats: Int) {
        self.threads = threads
        self.repeats = repeats
    }

    /// Runs `body` with `threads` kernel threads and OpenBLAS threads (restoring the kernel count afterwards).
    public func apply<T>(_ body: () throws -> T) rethrows -> T {
        ComputeThreads.setBLASThreads(threads)
        return try ComputeThreads.with(threads: threads, body)
    }
}

/// Timing helpers shared by the suites.
enum BenchmarkClock {
    /// Best (minimum) seconds of `repeats` runs of each body, run interleaved (a, b, a, b, …) after one warm-up each,
    /// so load from other processes hits both sides alike; the minimum filters out preemptions, which on a shared
    /// machine dominate the median of short runs.
    static func best(repeats: Int, _ bodies: [() -> Void]) -> [Double] {
        bodies.forEach { $0() }
        var times = [[Double]](repeating: [], count: bodies.count)
        for _ in 0..<Swift.max(repeats, 1) {
            for (i, body) in bodies.enumerated() { times[i].append(seconds(body)) }
        }
        return times.map { $0.min() ?? 0 }
    }

    /// Wall-clock seconds of one call.
    static func seconds(_ body: () -> Void) -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        body()
        return Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9
    }
}

/// Renders results as an aligned plain-text table or as JSON.
public enum BenchmarkReport {
    /// One line per case: suite, case, ms per iteration, then its figures; first the machine (CPU, BLAS library,
    /// config and kernel core) when given, so that the figures can be read against it.
    public static func table(_ results: [BenchmarkResult], settings: BenchmarkSettings, machine: BLASInfo? = nil) -> String {
        var lines = machine?.summaryLines ?? []
        lines.append("threads \(settings.threads), repeats \(settings.repeats) (best time per iteration)")
        let nameWidth = Swift.max(results.map(\.name.count).max() ?? 0, 4)
        for r in results {
            let figures = r.metrics.map { "\($0.name) \(format($0.value))" }.joined(separator: "  ")
            let name = r.name.padding(toLength: nameWidth, withPad: " ", startingAt: 0)
            lines.append("\(r.suite.padding(toLength: 6, withPad: " ", startingAt: 0)) \(name)  "
                         + "\(format(r.seconds * 1000).leftPadded(9)) ms  \(figures)")
        }
        return lines.joined(separator: "\n")
    }

    /// `{"machine": …, "settings": …, "results": […]}`, keys sorted; `machine` (a `BLASInfo`: CPU, library,
    /// config, core and who chose it) only when given.
    public static func json(_ results: [BenchmarkResult], settings: BenchmarkSettings,
                            machine: BLASInfo? = nil) throws -> String {
        struct Document: Codable { let machine: BLASInfo?; let settings: BenchmarkSettings; let results: [BenchmarkResult] }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let document = Document(machine: machine, settings: settings, results: results)
        return String(decoding: try encoder.encode(document), as: UTF8.self)
    }

    private static func format(_ v: Double) -> String { String(format: v >= 100 ? "%.1f" : "%.3f", v) }
}

private extension String {
    func leftPadded(_ width: Int) -> String { String(repeating: " ", count: Swift.max(0, width - count)) + self }
}

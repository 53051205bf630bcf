import ArgumentParser
import Foundation
import PEFTStore

extension PEFTLab {
    /// `peftlab bench store`: several processes writing to (or claiming from) one database at once.
    struct BenchStore: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "store",
            abstract: "Measure concurrent writers on one database: transactions/s, latency, and any lost write.",
            discussion: """
                Starts --processes copies of peftlab, each doing --operations write transactions (mode writes) or \
                claiming runs from a shared queue (mode claims), or --operations transactions of 1 000 metric rows \
                (mode metrics), then checks that every write is in the database. Uses a temporary SQLite file unless \
                --db is given (a path or a postgres:// URL); bench rows are removed afterwards unless --keep.

                Example:
                  peftlab bench store --processes 4 --operations 500 --mode claims
                """)

        enum Mode: String, ExpressibleByArgument, CaseIterable { case writes, claims, metrics }

        @Option(name: .customLong("db"), help: ArgumentHelp("Database to load (default: a temporary file).",
                                                          valueName: "path"))
        var path: String?
        @Option(help: "Concurrent processes.") var processes = 4
        @Option(help: "Operations per process (mode writes) or runs per process (mode claims).") var operations = 500
        @Option(help: "writes: one INSERT per transaction; claims: claim + complete queued runs; metrics: 1 000 metric rows per transaction.")
        var mode = Mode.writes
        @Flag(help: "Keep the rows written by the benchmark.") var keep = false
        @Flag(help: "Print the summary as JSON.") var json = false
        @Option(help: .hidden) var childTag: String?
        @Option(help: .hidden) var childIndex = 0

        func validate() throws {
            guard processes >= 1, operations >= 1 else {
                throw ValidationError("--processes and --operations must be at least 1.")
            }
        }

        func run() throws {
            if let tag = childTag { return try runChild(tag: tag) }
            let temporary = path == nil
            let dbPath = path ?? FileManager.default.temporaryDirectory
                .appendingPathComponent("peftlab-bench-\(ProcessInfo.processInfo.processIdentifier).db").path
            defer { if temporary { for s in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: dbPath + s) } } }
            let store = try Store(path: dbPath)
            let runID = UUID().uuidString.prefix(8)
            switch mode {
            case .claims: try StoreLoad.prepareClaims(store: store, runs: processes * operations)
            case .metrics: try StoreLoad.prepareClaims(store: store, runs: processes)
            case .writes: break
            }

            let start = Date()
            let children = try (0..<processes).map { i -> (Process, Pipe) in
                let process = Process()
                process.executableURL = URL(fileURLWithPath: "/proc/self/exe")
                process.arguments = ["bench", "store", "--db", dbPath, "--mode", mode.rawValue,
                                     "--operations", String(operations), "--child-tag", "\(runID)-\(i)",
                                     "--child-index", String(i)]
                let pipe = Pipe()
                process.standardOutput = pipe
                try process.run()
                return (process, pipe)
            }
            var reports: [StoreLoad.Report] = []
            for (process, pipe) in children {
                let data = pipe.fileHandleForReading.readDataToEndOfFile()
                process.waitUntilExit()
                reports.append(try JSONDecoder().decode(StoreLoad.Report.self, from: data))
            }
            let total = StoreLoad.Report.merged(reports, seconds: Date().timeIntervalSince(start))
            let stored = try count(store: store, runID: String(runID))
            if !keep { try cleanUp(store: store, runID: String(runID)) }
            printSummary(total, stored: stored)
            let expected = mode == .metrics ? total.operations * StoreLoad.metricBatch : total.operations
            if total.failures > 0 || stored != expected {
                throw ValidationError("lost or failed operations: \(total.failures) failed, \(stored) of \(total.operations) stored"
                                      + (total.firstError.map { "; first error: \($0)" } ?? ""))
            }
        }

        private func runChild(tag: String) throws {
            let store = try Store(path: path ?? Store.defaultPath)
            let report: StoreLoad.Report
            switch mode {
            case .writes: report = StoreLoad.writes(store: store, count: operations, tag: tag)
            case .claims: report = StoreLoad.claims(store: store, worker: .current())
            case .metrics: report = StoreLoad.metrics(store: store, count: operations, index: childIndex)
            }
            printOut(String(decoding: try JSONEncoder().encode(report), as: UTF8.self))
        }

        private func count(store: Store, runID: String) throws -> Int {
            switch mode {
            case .writes: return try StoreLoad.storedWrites(store: store, prefix: runID)
            case .claims: return try StoreLoad.storedClaims(store: store)
            case .metrics: return try StoreLoad.storedMetrics(store: store)
            }
        }

        private func cleanUp(store: Store, runID: String) throws {
            if mode == .writes {
                try StoreLoad.removeWrites(store: store, prefix: runID)
            } else {
                try StoreLoad.removeClaims(store: store)
            }
        }

        private func printSummary(_ r: StoreLoad.Report, stored: Int) {
            let rate = Double(r.operations) / max(r.seconds, 1e-9)
            let rows = mode == .metrics ? Double(StoreLoad.metricBatch) * rate : rate
            if json {
                printOut(String(format: #"{"mode":"%@","processes":%d,"operations":%d,"stored":%d,"failures":%d,"per_second":%.1f,"rows_per_second":%.1f,"p50_ms":%.3f,"p99_ms":%.3f,"max_ms":%.3f}"#,
                                mode.rawValue, processes, r.operations, stored, r.failures, rate, rows,
                                r.quantile(0.5), r.quantile(0.99), r.quantile(1)) + "\n")
            } else {
                printOut(String(format: "%@: %d processes, %d operations (%d stored, %d failed) in %.2f s = %.0f/s%@; latency p50 %.2f ms, p99 %.2f ms, max %.2f ms\n",
                                mode.rawValue, processes, r.operations, stored, r.failures, r.seconds, rate,
                                mode == .metrics ? String(format: " (%.0f rows/s)", rows) : "",
                                r.quantile(0.5), r.quantile(0.99), r.quantile(1)))
            }
        }
    }
}

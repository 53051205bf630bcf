import ArgumentParser
import Foundation
import PEFTOrchestrator

extension PEFTLab {
    /// `peftlab bench orchestrator`.
    struct BenchOrchestrator: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "orchestrator",
            abstract: "Measure metric rows/s into SQLite and the per-run cost of the orchestrator vs a direct trainer loop.",
            discussion: """
                Uses a temporary database and a small synthetic linear-probe grid, so the trainer's own work is \
                small and the orchestrator's cost (claims, checkpoints, metrics, leases) shows.

                Example:
                  peftlab bench orchestrator --runs 8
                """)

        @Option(help: "Runs in the grid.") var runs = 8
        @Option(help: "Metric rows to insert for the throughput figure.") var metricRows = 200_000
        @Flag(help: "Print JSON.") var json = false

        func run() throws {
            try requireBLAS()
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("peftlab-bench-orch-\(getpid()).db").path
            defer { for s in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + s) } }
            let r = try OrchestratorBenchmark.run(path: path, runs: runs, metricRows: metricRows)
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys]
                printOut(String(decoding: try encoder.encode(r), as: UTF8.self) + "\n")
            } else {
                printOut(String(format: """
                    metric inserts: %d rows at %.0f rows/s
                    per run (%d runs × %d steps): direct trainer %.2f ms, through the orchestrator %.2f ms \
                    (overhead %.2f ms/run, ratio %.2f×)

                    """, r.metricRows, r.metricRowsPerSecond, r.runs, r.stepsPerRun, r.directMsPerRun,
                                 r.orchestratedMsPerRun, r.overheadMsPerRun, r.ratio))
            }
        }
    }
}

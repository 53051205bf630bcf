import ArgumentParser
import Foundation
import PEFTReports
import PEFTStore

extension PEFTLab {
    /// `peftlab status`: runs by state per experiment, with an ETA.
    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show how many runs are queued, running, succeeded, failed or cancelled per experiment, with an ETA.",
            discussion: """
                The ETA divides the steps left by the step rate measured on this experiment's finished runs \
                (times the runs in flight); it is empty until one run has finished.

                Example:
                  peftlab status --db experiments.db
                """)

        @OptionGroup var database: DatabaseOptions
        @OptionGroup var output: FormatOptions

        func run() throws {
            let store = try database.open(access: .readOnly)
            let experiments = try store.read { try RunStateCounts.all(in: $0) }
            var table = TextTable(columns: ["experiment", "queued", "running", "succeeded", "failed", "cancelled", "total", "eta"],
                                  rows: [])
            for counts in experiments {
                var eta = TextTable.Cell("", kind: .null)
                if let rate = counts.stepsPerSecond, let left = counts.stepsLeft, rate > 0, left > 0 {
                    eta = TextTable.Cell(ProgressBoard.duration(seconds: left / (rate * Double(max(1, counts.running)))))
                } else if counts.stepsLeft == 0, counts.total > 0 {
                    eta = TextTable.Cell("done")
                }
                table.rows.append([TextTable.Cell(counts.experiment)]
                                  + [counts.queued, counts.running, counts.succeeded, counts.failed, counts.cancelled,
                                     counts.total].map { TextTable.Cell(stored: $0) }
                                  + [eta])
            }
            printOut(output.format.render(table))
        }
    }
}

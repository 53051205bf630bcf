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

        /// Per experiment: counts by state, steps left, and the measured steps/s of one run.
        static let sql = """
            SELECT s.experiment, s.queued, s.running, s.succeeded, s.failed, s.cancelled, s.total,
                   (SELECT SUM(r.total_steps) * 1.0 / NULLIF(SUM(r.finished_at - r.started_at), 0)
                      FROM runs r JOIN experiments e ON e.id = r.experiment_id
                     WHERE e.name = s.experiment AND r.state = 'succeeded' AND r.total_steps IS NOT NULL) AS steps_per_second,
                   (SELECT CASE WHEN COUNT(*) = 0 THEN 0 ELSE SUM(COALESCE(r.total_steps,
                                (SELECT AVG(r2.total_steps) FROM runs r2 WHERE r2.experiment_id = r.experiment_id)) - r.step) END
                      FROM runs r JOIN experiments e ON e.id = r.experiment_id
                     WHERE e.name = s.experiment AND r.state IN ('queued', 'running')) AS steps_left
            FROM run_states s ORDER BY s.experiment
            """

        func run() throws {
            let store = try database.open(access: .readOnly)
            let result = try store.query(Self.sql)
            var table = TextTable(columns: Array(result.columns.prefix(7)) + ["eta"], rows: [])
            for row in result.rows {
                let rate: Double? = if case .real(let r) = row[7] { r } else { nil }
                let left: Double? = switch row[8] { case .real(let v): v; case .integer(let v): Double(v); default: nil }
                let running: Double = if case .integer(let n) = row[2] { Double(max(1, n)) } else { 1 }
                var eta = TextTable.Cell("", kind: .null)
                if let rate, let left, rate > 0, left > 0 {
                    eta = TextTable.Cell(ProgressBoard.duration(seconds: left / (rate * running)))
                } else if let left, left == 0, case .integer(let total) = row[6], total > 0 {
                    eta = TextTable.Cell("done")
                }
                table.rows.append(row.prefix(7).map(TextTable.Cell.init) + [eta])
            }
            printOut(output.format.render(table))
        }
    }
}

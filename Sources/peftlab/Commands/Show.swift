import ArgumentParser
import PEFTReports
import PEFTStore

extension PEFTLab {
    /// `peftlab show RUN`.
    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show one run: its config, attempts, errors, checkpoints and a summary of each metric curve.",
            discussion: """
                Example:
                  peftlab show 7
                """)

        @OptionGroup var database: DatabaseOptions
        @Argument(help: "Run id.") var runID: Int64

        func run() throws {
            let store = try database.open(access: .readOnly)
            let id = String(runID)
            let runs = try store.query("""
                SELECT r.id, e.name AS experiment, r.method, r.seed, r.state, r.attempts, r.max_attempts, r.step,
                       r.total_steps, r.grid_json AS grid, r.error, r.config_json AS config
                FROM runs r JOIN experiments e ON e.id = r.experiment_id WHERE r.id = ?
                """, arguments: [id])
            guard let row = runs.rows.first else { throw StoreError.notFound(what: "run \(runID)") }
            for (column, value) in zip(runs.columns, row) { printOut("\(column): \(value.text)\n") }
            let sections: [(String, String)] = [
                ("attempts", "SELECT attempt, worker_id, outcome, error, round(ended_at - started_at, 2) AS seconds FROM attempts WHERE run_id = ? ORDER BY attempt"),
                ("checkpoints", "SELECT step, epoch, cursor, best_metric, is_best, byte_count FROM checkpoints WHERE run_id = ? ORDER BY step"),
                ("metrics", """
                    SELECT split, name, COUNT(*) AS points, MIN(step) AS first_step, MAX(step) AS last_step,
                           MIN(value) AS min, MAX(value) AS max,
                           (SELECT value FROM metrics m2 WHERE m2.run_id = m.run_id AND m2.split = m.split AND m2.name = m.name ORDER BY step DESC LIMIT 1) AS last
                    FROM metrics m WHERE run_id = ? GROUP BY split, name ORDER BY split, name
                    """),
                ("events", "SELECT kind, level, message FROM events WHERE run_id = ? ORDER BY id"),
            ]
            for (title, sql) in sections {
                printOut("\n\(title):\n" + TextTable(try store.query(sql, arguments: [id])).renderText())
            }
        }
    }
}

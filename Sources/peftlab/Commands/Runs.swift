import ArgumentParser
import PEFTReports
import PEFTStore

extension PEFTLab {
    /// `peftlab runs`: list runs.
    struct Runs: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List runs with their state, grid values, progress and final metrics.",
            discussion: """
                Examples:
                  peftlab runs --experiment sarcasm-probe
                  peftlab runs --state failed --csv
                """)

        @OptionGroup var database: DatabaseOptions
        @OptionGroup var output: FormatOptions

        @Option(help: "Only runs of this experiment.") var experiment: String?
        @Option(help: "Only runs in this state (queued, running, succeeded, failed, cancelled).") var state: String?

        func run() throws {
            let store = try database.open(access: .readOnly)
            var conditions: [String] = [], arguments: [String] = []
            if let experiment { conditions.append("experiment = ?"); arguments.append(experiment) }
            if let state { conditions.append("state = ?"); arguments.append(state) }
            let sql = """
                SELECT run_id, experiment, method, grid, seed, state, steps, test_accuracy, test_f1, test_mae, val_loss
                FROM results \(conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")) ORDER BY run_id
                """
            printOut(output.format.render(TextTable(try store.query(sql, arguments: arguments))))
        }
    }
}

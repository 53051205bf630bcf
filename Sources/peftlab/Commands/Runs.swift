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
            let runs = try store.read { try RunSummary.all(experiment: experiment, state: state, in: $0) }
            let table = TextTable(
                columns: ["run_id", "experiment", "method", "grid", "seed", "state", "steps", "test_accuracy", "test_f1",
                          "test_mae", "val_loss"],
                rows: runs.map { run in
                    [TextTable.Cell(stored: run.runID), TextTable.Cell(run.experiment), TextTable.Cell(run.method),
                     TextTable.Cell(run.grid), TextTable.Cell(stored: run.seed), TextTable.Cell(run.state),
                     TextTable.Cell(stored: run.steps), TextTable.Cell(stored: run.testAccuracy),
                     TextTable.Cell(stored: run.testF1), TextTable.Cell(stored: run.testMAE), TextTable.Cell(stored: run.valLoss)]
                })
            printOut(output.format.render(table))
        }
    }
}

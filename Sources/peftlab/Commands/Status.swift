import ArgumentParser
import PEFTReports
import PEFTStore

extension PEFTLab {
    /// `peftlab status`: runs by state per experiment.
    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show how many runs are queued, running, succeeded, failed or cancelled per experiment.",
            discussion: """
                Example:
                  peftlab status --db experiments.db
                """)

        @OptionGroup var database: DatabaseOptions
        @OptionGroup var output: FormatOptions

        func run() throws {
            let store = try database.open()
            let result = try store.query("SELECT * FROM run_states ORDER BY experiment")
            printOut(output.format.render(TextTable(result)))
        }
    }
}

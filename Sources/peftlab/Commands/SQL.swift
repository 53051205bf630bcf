import ArgumentParser
import PEFTReports
import PEFTStore

extension PEFTLab {
    /// `peftlab sql`: run SQL against the database and print the rows.
    struct SQL: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "sql",
            abstract: "Run SQL against the database; read-only unless --write.",
            discussion: """
                The views `results`, `leaderboard` (and `leaderboard_by_selection`), `run_states`, `final_metrics` and `dataset_summary` answer \
                the common questions; schema.sql documents every table and column.

                Examples:
                  peftlab sql "SELECT name FROM sqlite_master"
                  peftlab sql --csv "SELECT * FROM leaderboard WHERE metric = 'f1'"
                  peftlab sql --write "UPDATE runs SET max_attempts = 5 WHERE state = 'queued'"
                """)

        @OptionGroup var database: DatabaseOptions
        @OptionGroup var output: FormatOptions

        @Flag(help: "Allow statements that change the database (INSERT, UPDATE, DELETE, CREATE, …).")
        var write = false

        @Argument(help: "The SQL text: one or more statements; the rows of the last query are printed.")
        var sql: String

        func run() throws {
            let store = try database.open(access: write ? .readWrite : .readOnly)
            let result = try store.query(sql, allowWrite: write)
            if result.columns.isEmpty { return }
            printOut(output.format.render(TextTable(result)))
        }
    }
}

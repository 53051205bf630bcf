import ArgumentParser
import PEFTStore

extension PEFTLab {
    /// `peftlab init`: create (or upgrade) the database.
    struct Init: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a PEFTLab database, or upgrade an older one to this version's schema.",
            discussion: """
                Applies schema.sql (embedded in the binary) and sets PRAGMA user_version. Safe to run again.

                Example:
                  peftlab init --db experiments.db
                """)

        @OptionGroup var database: DatabaseOptions

        func run() throws {
            let store = try database.open(create: true)
            let schema = try store.read { try SchemaSummary.read(in: $0) }
            printOut("\(store.path): schema version \(Schema.version), \(schema.tablesAndViews) tables and views\n")
        }
    }
}

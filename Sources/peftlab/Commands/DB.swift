import ArgumentParser
import PEFTStore

extension PEFTLab {
    /// `peftlab db`: whole-database maintenance.
    struct DB: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "db",
            abstract: "Whole-database maintenance: consistent backups.",
            discussion: """
                Example:
                  peftlab db backup --db peftlab.db peftlab-copy.db
                """,
            subcommands: [Backup.self, Export.self, Import.self])

        /// `peftlab db backup OUT.db`.
        struct Backup: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Write a consistent copy of the database (committed WAL content included) to a new file.",
                discussion: """
                    Uses SQLite's VACUUM INTO on a read-only connection, so it works while workers write and on a \
                    file you may only read; the copy is written under a temporary name and renamed into place, and \
                    an existing file is never overwritten. Copying peftlab.db with cp while a command runs can miss \
                    what is still in peftlab.db-wal; this cannot.

                    Example:
                      peftlab db backup --db peftlab.db backups/peftlab-2026-12-01.db
                    """)

            @OptionGroup var database: DatabaseOptions

            @Argument(help: ArgumentHelp("The new file to write.", valueName: "out.db"))
            var output: String

            func run() throws {
                let store = try database.open(access: .readOnly)
                try store.backup(to: output)
                printOut("\(store.path): backed up to \(output)\n")
            }
        }
    }
}

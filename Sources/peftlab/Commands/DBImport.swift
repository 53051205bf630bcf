import ArgumentParser
import PEFTStore

extension PEFTLab.DB {
    /// `peftlab db import FILE.db`.
    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Copy everything in another PEFTLab database (e.g. a `db export` file) into this one.",
            discussion: """
                Experiments are matched by name: a new one is copied with all its runs' rows; one already here \
                with the same content is skipped, so importing a file twice adds nothing; one here with different \
                content stops the import, naming the experiment. Datasets are matched by name and merged like a \
                re-ingest (examples by source key, images by hash). Integer ids are kept when free here, otherwise \
                renumbered, with every reference following. The import is one transaction: everything or nothing.

                Example:
                  peftlab db import lora-grid.db --db laptop.db
                """)

        @OptionGroup var database: DatabaseOptions

        @Argument(help: ArgumentHelp("The PEFTLab database to copy from (only read).", valueName: "file.db"))
        var file: String

        func run() throws {
            let source = try Store(path: file, create: false, access: .readOnly)
            let target = try database.open()
            let summary = try StoreTransfer.copy(from: source, into: target)
            printOut("\(target.path): imported \(file): \(summary)\n")
        }
    }
}

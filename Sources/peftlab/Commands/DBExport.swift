import ArgumentParser
import PEFTStore

extension PEFTLab.DB {
    /// `peftlab db export --experiment X --to FILE.db`.
    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Copy experiments with their runs, metrics and checkpoints into a new database file.",
            discussion: """
                Writes a NEW PEFTLab database holding the named experiments and, for each of their runs, its \
                attempts, checkpoints, metrics, predictions and events, every value exactly as stored (ids \
                included). With --with-data it also holds the datasets the runs' configs name (manifests, \
                examples, example features, quarantined rows, their images and image tensors), every backbone and \
                the feature cache. An existing file is never overwritten or merged into: use `db import` to merge. \
                Leases are not exported: a run that is running arrives as 'running' without a lease (cancel and \
                resume it where you import it). The export is one transaction: the file is complete or absent.

                Example:
                  peftlab db export --db cluster.db --experiment lora-grid --to lora-grid.db --with-data
                """)

        @OptionGroup var database: DatabaseOptions

        @Option(name: .customLong("experiment"), help: ArgumentHelp(
            "An experiment to export (repeat for more).", valueName: "name"))
        var experiments: [String] = []

        @Option(name: .customLong("to"), help: ArgumentHelp("The new database file to write.", valueName: "file.db"))
        var destination: String

        @Flag(name: .customLong("with-data"), help: "Also export the datasets the runs use, backbones and the feature cache.")
        var withData = false

        func validate() throws {
            if experiments.isEmpty {
                throw ValidationError("Name at least one experiment to export with --experiment (see `peftlab status`).")
            }
        }

        func run() throws {
            let source = try database.open(access: .readOnly)
            let selection = TransferSelection(experiments: experiments, data: withData ? .referenced : .none)
            let summary = try StoreTransfer.export(from: source, to: destination, selection: selection)
            printOut("\(source.path): exported \(experiments.joined(separator: ", ")) to \(destination): \(summary)\n")
        }
    }
}

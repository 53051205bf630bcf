import ArgumentParser
import Foundation
import PEFTStore

/// The `peftlab` command: parse, call a library, print. Each subcommand lives in Commands/<Name>.swift.
@main
struct PEFTLab: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "peftlab",
        abstract: "Parameter-efficient fine-tuning experiments on CLIP models, on the CPU, stored in one SQLite file.",
        discussion: """
            Everything PEFTLab produces (datasets, images, features, runs, checkpoints, metrics) lives in one \
            database: ./peftlab.db, or --db PATH, or $PEFTLAB_DB. Query it with `peftlab sql`.

            Start here:
              peftlab quickstart            # make data + a small CLIP, train a few PEFT variants, print a table
              peftlab sql "SELECT * FROM results"
            """,
        version: PEFTLabVersion.string,
        subcommands: [Quickstart.self, Init.self, SQL.self, Status.self, Queue.self, Work.self, Runs.self, Report.self, Show.self,
                      Cancel.self, Retry.self, Resume.self, DB.self, Datasets.self, Ingest.self, Preprocess.self, Features.self, Embed.self,
                      Generate.self, LM.self, Export.self, Methods.self, Backbone.self, Bench.self, Version.self]
    )

    /// Parses and runs the command, then closes every database it opened, checkpointing the WAL of those it wrote
    /// (so a finished command leaves no `-wal` file and `peftlab.db` alone is a complete copy), also after an error.
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
            Store.closeAll()
        } catch {
            Store.closeAll()
            exit(withError: error)
        }
    }
}

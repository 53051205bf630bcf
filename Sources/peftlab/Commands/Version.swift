import ArgumentParser
import PEFTStore

/// The PEFTLab release this binary was built from.
enum PEFTLabVersion {
    static let string = "0.1.0"
}

extension PEFTLab {
    /// `peftlab version`: the release and the schema version it writes.
    struct Version: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the PEFTLab version and the database schema version it writes.",
            discussion: """
                Example:
                  peftlab version
                """)

        func run() throws {
            printOut("peftlab \(PEFTLabVersion.string) (schema version \(Schema.version))\n")
        }
    }
}

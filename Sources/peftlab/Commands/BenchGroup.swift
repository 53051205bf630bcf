import ArgumentParser

extension PEFTLab {
    /// `peftlab bench`: performance measurements, each against a peer measured in the same run.
    struct Bench: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Measure PEFTLab's speed against a reference measured in the same run.",
            discussion: """
                Build in release mode first (make build). Each benchmark prints a plain table, or JSON with --json.

                Example:
                  peftlab bench store --processes 4 --mode claims
                """,
            subcommands: [BenchGemm.self, BenchOps.self, BenchLayer.self, BenchClip.self, BenchMemory.self, BenchTrain.self, BenchStore.self,
                          BenchOrchestrator.self])
    }
}

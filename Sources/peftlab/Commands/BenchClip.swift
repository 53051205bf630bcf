import ArgumentParser
import PEFTCLIP

extension PEFTLab {
    /// `peftlab bench clip`.
    struct BenchClip: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "clip",
            abstract: "CLIP ViT-B/32 vision tower forward at batch 32: images/s, GFLOP/s and the ratio to the same "
                + "run's sgemm GFLOP/s.",
            discussion: "Build in release mode first. Example:\n  peftlab bench clip --threads 2 --repeats 3")
        @OptionGroup var options: TensorBenchOptions
        func run() throws { try options.report(CLIPBenchmark.run) }
    }
}

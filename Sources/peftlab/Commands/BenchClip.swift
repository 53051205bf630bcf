import ArgumentParser
import Foundation
import PEFTCLIP
import PEFTTensor

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

extension PEFTLab {
    /// `peftlab bench memory`.
    struct BenchMemory: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "memory",
            abstract: "Peak RSS of one ViT-B/32 vision training step at batch 32: frozen, top layer trainable, all trainable.",
            discussion: """
                Each mode runs in its own process (peak RSS only grows). With only a top-layer weight trainable, \
                frozen layers below it record no graph and keep no activations, so the step should cost about \
                what a forward pass costs, far below full fine-tuning.

                Example:
                  peftlab bench memory
                """)

        @Option(help: .hidden) var child: String?
        @Flag(help: "Print JSON lines.") var json = false

        func run() throws {
            try requireBLAS()
            if let child {
                guard let mode = CLIPMemoryBenchmark.Mode(rawValue: child) else {
                    throw ValidationError("unknown mode '\(child)'")
                }
                ComputeThreads.setBLASThreads(2)
                let result = ComputeThreads.with(threads: 2) { CLIPMemoryBenchmark.run(mode: mode) }
                printOut(String(decoding: try JSONEncoder().encode(result), as: UTF8.self) + "\n")
                return
            }
            for mode in CLIPMemoryBenchmark.Mode.allCases {
                let process = Process()
                process.executableURL = URL(fileURLWithPath: "/proc/self/exe")
                process.arguments = ["bench", "memory", "--child", mode.rawValue]
                let pipe = Pipe()
                process.standardOutput = pipe
                try process.run()
                let data = pipe.fileHandleForReading.readDataToEndOfFile()
                process.waitUntilExit()
                let r = try JSONDecoder().decode(CLIPMemoryBenchmark.Result.self, from: data)
                printOut(json ? String(decoding: data, as: UTF8.self)
                         : String(format: "memory %-7@ trainable %10d params  peak RSS %7.0f MB  step %.2f s\n",
                                  r.mode, r.trainableParameters, r.peakRSSMegabytes, r.stepSeconds))
            }
        }
    }
}

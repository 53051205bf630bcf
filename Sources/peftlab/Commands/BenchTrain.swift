import ArgumentParser
import Foundation
import PEFTOrchestrator

extension PEFTLab {
    /// `peftlab bench train`.
    struct BenchTrain: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "train",
            abstract: "One training step of image+text classification at ViT-B/32 shapes, batch 32: examples/s and peak RSS.",
            discussion: """
                Presets: lora (r=8 on q,v of every layer), lora-upper4 (layers 9-12), adapters-upper (Houlsby on the \
                upper 6 layers of both towers), linear-probe; or any method name with its defaults. The frozen prefix \
                is read from cached states as in a grid whose cache is warm. benchmarks/torch_train_step.py runs the \
                same model and methods in PyTorch + peft. Run one method per process (peak RSS only grows).

                Examples:
                  peftlab bench train --method lora --threads 2
                  peftlab bench train --method adapters-upper --tweet-lengths --json
                """)

        @Option(help: "Preset or method name.")
        var method = "lora"

        @Option(help: "Kernel and OpenBLAS threads.")
        var threads = 2

        @Option(help: "Timed steps (after one warm-up step); the median is reported.")
        var steps = 5

        @Flag(help: "Caption lengths like MMSD2.0's tweets, padding trimmed per batch (instead of 77 tokens).")
        var tweetLengths = false

        @Flag(help: "Print JSON.")
        var json = false

        func validate() throws {
            guard threads >= 1 else { throw ValidationError("--threads must be at least 1 (got \(threads)).") }
            guard (1 ... 1000).contains(steps) else { throw ValidationError("--steps must be in 1...1000 (got \(steps)).") }
        }

        func run() throws {
            let r = try TrainStepBenchmark.run(name: method, threads: threads, steps: steps, tweetLengths: tweetLengths)
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys]
                printOut(String(decoding: try encoder.encode(r), as: UTF8.self) + "\n")
            } else {
                printOut(String(format: "train %@  %.2f examples/s  (median step %.2f s, batch %d, %@ tokens, %d threads)  method params %d  peak RSS %.0f MB\n",
                                r.method, r.examplesPerSecond, Double(r.batch) / r.examplesPerSecond, r.batch, r.textTokens,
                                r.threads, r.methodParameters, r.peakRSSMegabytes))
            }
        }
    }
}

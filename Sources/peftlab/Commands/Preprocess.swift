import ArgumentParser
import Foundation
import PEFTData
import PEFTStore

extension PEFTLab {
    /// `peftlab preprocess`: CLIP preprocessing of one image to .npy, or the data-pipeline benchmark.
    struct Preprocess: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Preprocess an image exactly as CLIPImageProcessor + Pillow do, to a float32 [3, H, W] .npy.",
            discussion: """
                Resize (Pillow bicubic, shortest edge), centre crop, rescale and normalise with the settings of the \
                backbone's preprocessor_config.json (default: OpenAI CLIP at 224 px). --fast-decode lets large JPEGs \
                decode at 1/2-1/8 scale first: faster, close to but not bit-identical with the reference.

                --bench measures the data pipeline instead: decode + preprocess images/s on the given files (or on \
                generated ones), ingest images/s and feature-cache bytes per image. Compare with \
                scripts/data/bench_pillow.py on the same files (scripts/data/bench_preprocess.sh runs both).

                Examples:
                  peftlab preprocess --backbone models/clip photo.jpg -o photo.npy
                  peftlab preprocess --bench --threads 2 data/sarcasm/images
                """)

        @Argument(help: "Image file (or, with --bench, image files and directories).")
        var inputs: [String] = []

        @Option(name: .shortAndLong, help: ArgumentHelp("Output .npy file.", valueName: "file"))
        var output: String?

        @Option(help: ArgumentHelp("Backbone directory or preprocessor_config.json (default: OpenAI CLIP, 224 px).",
                                   valueName: "path"))
        var backbone: String?

        @Flag(help: "Decode large JPEGs at reduced scale in the DCT domain (never below the resize target).")
        var fastDecode = false

        @Option(help: AlphaPolicy.help)
        var alpha = AlphaPolicy.compositeOnWhite

        @Flag(help: "Benchmark the data pipeline instead of writing a file.")
        var bench = false

        @Option(help: "Threads for --bench.")
        var threads = 2

        @Option(help: "Timed passes for --bench (the best is reported).")
        var repeats = 3

        func validate() throws {
            if bench { guard threads >= 1, repeats >= 1 else { throw ValidationError("--threads and --repeats must be at least 1.") }; return }
            guard inputs.count == 1 else { throw ValidationError("give exactly one image to preprocess (got \(inputs.count)).") }
            guard output != nil else { throw ValidationError("-o OUT.npy is required (or use --bench).") }
        }

        func run() throws {
            let config = try backbone.map { try CLIPPreprocessConfig.read(URL(fileURLWithPath: $0)) } ?? CLIPPreprocessConfig()
            let preprocessor = CLIPPreprocessor(config: config, alpha: alpha, fastDecode: fastDecode)
            if bench { return try runBenchmarks(preprocessor) }
            guard let input = inputs.first, let output else { return }
            let data = try FileIO.read(input)
            let pixels = try preprocessor.preprocess([UInt8](data))
            try NPYFile(float32: pixels.values, shape: pixels.shape).write(to: URL(fileURLWithPath: output))
            printOut("\(output): float32 \(pixels.shape)\n")
        }

        private func runBenchmarks(_ preprocessor: CLIPPreprocessor) throws {
            var files = try inputs.flatMap(imageFiles)
            var generated: URL?
            if files.isEmpty {
                let dir = FileManager.default.temporaryDirectory.appendingPathComponent("peftlab-bench-\(UUID().uuidString)")
                _ = try BuiltinDatasets.make("sarcasm", into: dir, seed: 1, examples: 200)
                files = try imageFiles(dir.appendingPathComponent("images").path)
                generated = dir
            }
            defer { if let generated { try? FileManager.default.removeItem(at: generated) } }
            var results = [try DataBenchmarks.preprocess(files: files, preprocessor: preprocessor, threads: threads,
                                                         repeats: repeats)]
            results.append(try DataBenchmarks.ingest(examples: 400, threads: threads))
            results.append(try DataBenchmarks.featureCacheBytes())
            for r in results {
                printOut(r.name.padding(toLength: 52, withPad: " ", startingAt: 0)
                         + String(format: "%12.1f %@", r.value, r.unit) + "   (\(r.detail))\n")
            }
        }

        /// JPEG/PNG files at `path` (the file itself, or the directory's files, sorted).
        private func imageFiles(_ path: String) throws -> [URL] {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                throw DataError.io(path: path, reason: "no such file or directory")
            }
            guard isDirectory.boolValue else { return [URL(fileURLWithPath: path)] }
            return try FileManager.default.contentsOfDirectory(atPath: path).sorted()
                .filter { ["jpg", "jpeg", "png"].contains(($0 as NSString).pathExtension.lowercased()) }
                .map { URL(fileURLWithPath: path).appendingPathComponent($0) }
        }
    }
}

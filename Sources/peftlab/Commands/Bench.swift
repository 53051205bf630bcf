import ArgumentParser
import PEFTTensor

/// Options shared by the tensor-engine benchmarks (`bench gemm`, `bench ops`, `bench layer`).
struct TensorBenchOptions: ParsableArguments {
    @Option(help: "Kernel and OpenBLAS threads.")
    var threads = 2

    @Option(help: "Timed iterations per case; the fastest is reported.")
    var repeats = 5

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    func validate() throws {
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1 (got \(threads)).") }
        guard repeats >= 1 else { throw ValidationError("--repeats must be at least 1 (got \(repeats)).") }
    }

    /// Loads the BLAS (a clear error if it cannot), runs a suite with these settings and prints its table or JSON,
    /// headed by the CPU and the BLAS kernels the figures were measured with.
    func report(_ suite: (BenchmarkSettings) -> [BenchmarkResult]) throws {
        let machine = try BLAS.load()
        for warning in machine.warnings { printErr("warning: \(warning)\n") }
        let settings = BenchmarkSettings(threads: threads, repeats: repeats)
        let results = suite(settings)
        let text = json ? try BenchmarkReport.json(results, settings: settings, machine: machine)
            : BenchmarkReport.table(results, settings: settings, machine: machine)
        print(text)
    }
}

extension PEFTLab {
    /// `peftlab bench gemm`.
    struct BenchGemm: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "gemm",
            abstract: "Engine matmul vs a raw cblas_sgemm loop at 512³ and ViT-B/32 layer shapes (GFLOP/s, ratio).",
            discussion: "Build in release mode first. Example:\n  peftlab bench gemm --threads 2 --repeats 11")
        @OptionGroup var options: TensorBenchOptions
        func run() throws { try options.report(GEMMBenchmark.run) }
    }

    /// `peftlab bench ops`.
    struct BenchOps: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "ops",
            abstract: "Layer norm, softmax, GELU and quick GELU forward and backward at ViT-B/32 sizes (GB/s).",
            discussion: "Build in release mode first. Example:\n  peftlab bench ops --threads 2 --repeats 20")
        @OptionGroup var options: TensorBenchOptions
        func run() throws { try options.report(OpsBenchmark.run) }
    }

    /// `peftlab bench layer`.
    struct BenchLayer: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "layer",
            abstract: "A ViT-B/32 pre-LN encoder layer, forward and forward+backward: GFLOP/s and ratio to the "
                + "same run's sgemm GFLOP/s at the layer's biggest GEMM.",
            discussion: "Build in release mode first. Example:\n  peftlab bench layer --threads 2 --repeats 5")
        @OptionGroup var options: TensorBenchOptions
        func run() throws { try options.report(LayerBenchmark.run) }
    }
}

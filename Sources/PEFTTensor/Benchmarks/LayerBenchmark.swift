/// `bench layer`: one ViT-B/32-shaped pre-LN encoder layer (width 768, 12 heads, MLP 3072, quick GELU, 50 tokens,
/// batch 32), forward only and forward + backward with every weight trainable, as achieved GFLOP/s and as a fraction
/// of the same run's `cblas_sgemm` GFLOP/s at the layer's biggest GEMM (1600×768 @ 768×3072).
public enum LayerBenchmark {
    public static let width = 768, heads = 12, mlpWidth = 3072, tokens = 50, batch = 32

    /// Forward FLOPs: the six projections (2·N·(4·D² + 2·D·M)) plus the two attention products (4·B·T²·D).
    public static var forwardFLOPs: Double {
        let n = Double(batch * tokens), d = Double(width), m = Double(mlpWidth)
        return 2 * n * (4 * d * d + 2 * d * m) + 4 * Double(batch) * Double(tokens * tokens) * d
    }

    public static func run(_ settings: BenchmarkSettings) -> [BenchmarkResult] {
        settings.apply {
            var rng = RNG(seed: 3)
            let layer = ReferenceEncoderLayer(width: width, heads: heads, mlpWidth: mlpWidth, rng: &rng)
            let x = Tensor.randn([batch, tokens, width], rng: &rng)
            let raw = RawSGEMM(m: batch * tokens, k: width, n: mlpWidth)
            // Interleaved with the layer runs, so the reference sees the same machine load.
            let times = BenchmarkClock.best(repeats: settings.repeats, [
                { _ = GradMode.noGrad { layer(x, mask: nil) } },
                {
                    layer.zeroGrad()
                    layer(x, mask: nil).sum().backward()
                },
                raw.run,
            ])
            let peak = raw.flops / times[2] * 1e-9
            let forward = forwardFLOPs / times[0] * 1e-9, training = 3 * forwardFLOPs / times[1] * 1e-9
            return [
                BenchmarkResult(suite: "layer", name: "forward", seconds: times[0],
                                metrics: [("gflops", forward), ("sgemm_gflops", peak), ("ratio", forward / peak)]),
                BenchmarkResult(suite: "layer", name: "forward+backward", seconds: times[1],
                                metrics: [("gflops", training), ("sgemm_gflops", peak), ("ratio", training / peak)]),
            ]
        }
    }
}

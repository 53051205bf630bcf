/// `bench ops`: memory-bound kernels at ViT-B/32 training sizes, in GB/s of tensor traffic.
///
/// Traffic counts each tensor read or written once: forward reads x and writes y; backward reads x (or y) and the
/// incoming gradient and writes dx. Backward times the op's own backward step alone (gradient buffers included).
public enum OpsBenchmark {
    /// Measures layer norm `[1600, 768]`, softmax over attention rows `[19200, 50]`, GELU and quick GELU `[1600, 3072]`,
    /// forward and backward.
    public static func run(_ settings: BenchmarkSettings) -> [BenchmarkResult] {
        settings.apply {
            var rng = RNG(seed: 2)
            let hidden = Tensor.randn([1600, 768], rng: &rng, requiresGrad: true)
            let w = Tensor.ones([768], requiresGrad: true), b = Tensor.zeros([768], requiresGrad: true)
            let scores = Tensor.randn([32 * 12 * 50, 50], rng: &rng, requiresGrad: true)
            let mlp = Tensor.randn([1600, 3072], rng: &rng, requiresGrad: true)
            return [
                measure("layer_norm [1600, 768]", hidden, settings.repeats) { $0.layerNorm(weight: w, bias: b, eps: 1e-5) },
                measure("softmax [19200, 50]", scores, settings.repeats) { $0.softmax(axis: -1) },
                measure("gelu [1600, 3072]", mlp, settings.repeats) { $0.gelu() },
                measure("quick_gelu [1600, 3072]", mlp, settings.repeats) { $0.quickGelu() },
            ].flatMap { $0 }
        }
    }

    /// Forward (noGrad) and the op's own backward step (nothing else) on `x`: two results with `gbps`.
    /// Short kernels are timed at least 20 times; the fastest counts.
    static func measure(_ name: String, _ x: Tensor, _ repeats: Int, _ op: @escaping (Tensor) -> Tensor) -> [BenchmarkResult] {
        let bytes = Double(x.count) * 4
        let y = op(x)
        let g = [Float](repeating: 1, count: y.count)
        let times = BenchmarkClock.best(repeats: Swift.max(repeats, 20), [
            { _ = GradMode.noGrad { op(x) } },
            {
                x.zeroGrad()
                y.runBackwardStep(g)
            },
        ])
        x.zeroGrad()
        return [
            BenchmarkResult(suite: "ops", name: "\(name) forward", seconds: times[0], metrics: [("gbps", 2 * bytes / times[0] * 1e-9)]),
            BenchmarkResult(suite: "ops", name: "\(name) backward", seconds: times[1], metrics: [("gbps", 3 * bytes / times[1] * 1e-9)]),
        ]
    }
}

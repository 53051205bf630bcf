import CBLAS

/// `bench gemm`: the engine's matmul against a bare `cblas_sgemm` loop on the same shapes in the same run.
///
/// The engine side includes everything a training step pays: output allocation, shape checks, graph bookkeeping
/// (no graph under `noGrad`). The raw side reuses one preallocated output.
public enum GEMMBenchmark {
    /// (m, k, n): 512³ and the GEMMs of a ViT-B/32 layer at batch 32 (1600 tokens): fc1, fc2, q/k/v/out projections.
    public static let shapes: [(m: Int, k: Int, n: Int)] = [(512, 512, 512), (1600, 768, 3072), (1600, 3072, 768), (1600, 768, 768)]

    /// Measures `matmul` at every shape in `shapes`, then `linear` (x·Wᵀ + b, the layout every CLIP projection uses)
    /// at the CLIP shapes.
    public static func run(_ settings: BenchmarkSettings) -> [BenchmarkResult] {
        settings.apply {
            shapes.map { measure(m: $0.m, k: $0.k, n: $0.n, repeats: settings.repeats) }
                + shapes.dropFirst().map { measureLinear(m: $0.m, k: $0.k, n: $0.n, repeats: settings.repeats) }
        }
    }

    /// `x [m, k]·W[n, k]ᵀ + b` against raw sgemm A·B of the same size: figures as `measure`.
    public static func measureLinear(m: Int, k: Int, n: Int, repeats: Int) -> BenchmarkResult {
        var rng = RNG(seed: 2)
        let x = Tensor.randn([m, k], rng: &rng), w = Tensor.randn([n, k], rng: &rng), b = Tensor.randn([n], rng: &rng)
        let raw = RawSGEMM(m: m, k: k, n: n)
        let times = GradMode.noGrad { BenchmarkClock.best(repeats: repeats, [{ _ = x.linear(weight: w, bias: b) }, raw.run]) }
        return BenchmarkResult(suite: "gemm", name: "linear \(m)x\(k) · (\(n)x\(k))ᵀ + b", seconds: times[0], metrics: [
            ("engine_gflops", raw.flops / times[0] * 1e-9), ("sgemm_gflops", raw.flops / times[1] * 1e-9),
            ("ratio", times[1] / times[0]),
        ])
    }

    /// One shape: figures `engine_gflops`, `sgemm_gflops`, `ratio` (engine / sgemm).
    public static func measure(m: Int, k: Int, n: Int, repeats: Int) -> BenchmarkResult {
        var rng = RNG(seed: 1)
        let a = Tensor.randn([m, k], rng: &rng), b = Tensor.randn([k, n], rng: &rng)
        let raw = RawSGEMM(m: m, k: k, n: n)
        let (engine, sgemm) = GradMode.noGrad { () -> (Double, Double) in
            let times = BenchmarkClock.best(repeats: repeats, [{ _ = a.matmul(b) }, raw.run])
            return (times[0], times[1])
        }
        let flops = 2 * Double(m) * Double(k) * Double(n)
        return BenchmarkResult(suite: "gemm", name: "\(m)x\(k) @ \(k)x\(n)", seconds: engine, metrics: [
            ("engine_gflops", flops / engine * 1e-9), ("sgemm_gflops", flops / sgemm * 1e-9), ("ratio", sgemm / engine),
        ])
    }
}

/// A bare `cblas_sgemm` C = A·B on preallocated row-major buffers: the reference the engine is compared with.
final class RawSGEMM {
    let m: Int, k: Int, n: Int
    private var a: [Float], b: [Float], c: [Float]

    init(m: Int, k: Int, n: Int) {
        self.m = m
        self.k = k
        self.n = n
        var rng = RNG(seed: 9)
        a = Tensor.randn([m, k], rng: &rng).storage
        b = Tensor.randn([k, n], rng: &rng).storage
        c = [Float](repeating: 0, count: m * n)
    }

    /// 2·m·k·n.
    var flops: Double { 2 * Double(m) * Double(k) * Double(n) }

    func run() {
        let (m, k, n) = (self.m, self.k, self.n)
        a.withUnsafeBufferPointer { pa in b.withUnsafeBufferPointer { pb in c.withUnsafeMutableBufferPointer { pc in
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, blasint(m), blasint(n), blasint(k), 1,
                        pa.baseAddress, blasint(k), pb.baseAddress, blasint(n), 0, pc.baseAddress, blasint(n))
        } } }
    }
}

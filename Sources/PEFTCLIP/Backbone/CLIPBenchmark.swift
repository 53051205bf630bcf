import Dispatch
import PEFTTensor

/// `peftlab bench clip`: forward throughput of a CLIP vision tower (ViT-B/32 shape, batch 32, random weights), in
/// images/s and GFLOP/s, with the ratio to `cblas_sgemm` measured in the same run at the tower's dominant GEMM shape
/// (fc1 at batch 32: 1600×768 @ 768×3072).
///
/// ViT-B/32 forward ≈ 8.8 GFLOP per image (patch embedding 0.23, each of 12 layers 0.72); PyTorch reaches ≈ 65 % of
/// sgemm on this machine with 2 threads (see platform notes).
public enum CLIPBenchmark {
    /// Runs the ViT-B/32 batch-32 case under `settings` (threads, repeats).
    public static func run(_ settings: BenchmarkSettings) -> [BenchmarkResult] {
        settings.apply { [visionForward(config: CLIPVisionConfig(), batch: 32, repeats: settings.repeats)] }
    }

    /// Best forward time (the least disturbed by other load, as `peftlab bench` reports) of a random vision tower
    /// for `config` on a `batch` of random pixels, after one warm-up; each timed forward is followed by one sgemm
    /// measurement (best rate kept) so load drifts hit both alike.
    /// Figures: `images_per_s`, `gflop` (per forward), `engine_gflops`, `sgemm_gflops`, `ratio` (engine / sgemm).
    public static func visionForward(config: CLIPVisionConfig, batch: Int, repeats: Int, seed: UInt64 = 0) -> BenchmarkResult {
        var full = CLIPConfig()
        full.vision = config
        let specs = full.parameterSpecs().filter { $0.name.hasPrefix("vision_model.") || $0.name == "visual_projection.weight" }
        let tensors = CLIPModel.randomTensors(specs, seed: seed)
        let tower = CLIPVisionTower(config: config, weights: { tensors[$0]! })
        tower.freezeAll()
        var rng = RNG(seed: seed, stream: 999)
        let pixels = Tensor.randn([batch, config.numChannels, config.imageSize, config.imageSize], rng: &rng)
        let tokens = batch * config.numPositions
        var times: [Double] = []
        var sgemmRates: [Double] = []
        GradMode.noGrad {
            _ = tower(pixels)
            for _ in 0 ..< max(repeats, 1) {
                let start = DispatchTime.now().uptimeNanoseconds
                _ = tower(pixels)
                times.append(Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9)
                let gemm = GEMMBenchmark.measure(m: tokens, k: config.hiddenSize, n: config.intermediateSize, repeats: 1)
                sgemmRates.append(gemm.metric("sgemm_gflops") ?? .nan)
            }
        }
        let seconds = times.min() ?? .nan
        let sgemm = sgemmRates.max() ?? .nan
        let flop = forwardFLOPs(config: config, batch: batch)
        let engine = flop / seconds * 1e-9
        return BenchmarkResult(
            suite: "clip", name: "vision forward \(config.hiddenSize)w×\(config.numHiddenLayers)L b\(batch)",
            seconds: seconds,
            metrics: [("images_per_s", Double(batch) / seconds), ("gflop", flop * 1e-9), ("engine_gflops", engine),
                      ("sgemm_gflops", sgemm), ("ratio", engine / sgemm)])
    }

    /// Multiply-adds ×2 of one vision forward: patch GEMM, per layer 4 D² + 2 D·I linear work per token plus
    /// 2 T² D for attention scores and mixing, and the projection of the pooled token.
    public static func forwardFLOPs(config c: CLIPVisionConfig, batch: Int) -> Double {
        let tokens = Double(c.numPositions), d = Double(c.hiddenSize), inner = Double(c.intermediateSize)
        let patches = Double(c.gridSize * c.gridSize)
        let patchEmbedding = 2 * patches * d * Double(c.numChannels * c.patchSize * c.patchSize)
        let perLayer = 2 * tokens * (4 * d * d + 2 * d * inner) + 4 * tokens * tokens * d
        let projection = 2 * d * Double(c.projectionDim)
        return Double(batch) * (patchEmbedding + Double(c.numHiddenLayers) * perLayer + projection)
    }
}

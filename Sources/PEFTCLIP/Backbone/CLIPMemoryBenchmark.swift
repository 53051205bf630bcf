import Foundation
import PEFTTensor

/// Peak memory of one training step of a ViT-B/32-sized vision tower at batch 32, by what is trainable: shows
/// that frozen layers below the first trainable parameter keep no activations for backward.
///
/// Peak RSS only grows within a process, so each mode must run in a fresh process (`peftlab bench memory`
/// starts one per mode).
public enum CLIPMemoryBenchmark {
    /// What requires a gradient in the measured step.
    public enum Mode: String, CaseIterable, Sendable {
        /// Nothing: a forward pass only, the floor.
        case frozen
        /// One weight in the top layer (`fc2` of layer 11), as a top-layer adapter or LoRA would be.
        case top
        /// Every parameter (full fine-tuning).
        case all
    }

    /// One measurement.
    public struct Result: Codable, Sendable {
        public var mode: String
        public var trainableParameters: Int
        public var peakRSSMegabytes: Double
        public var stepSeconds: Double
    }

    /// Builds the tower, runs forward (+ backward unless frozen) once and reads the process's peak RSS.
    public static func run(mode: Mode, batch: Int = 32, seed: UInt64 = 0) -> Result {
        let model = CLIPModel.random(config: CLIPConfig(), seed: seed)
        let layers = model.layers(.vision)
        switch mode {
        case .frozen: break
        case .top: layers[layers.count - 1].fc2.base.weight.requiresGrad = true
        case .all: model.vision.namedParameters().forEach { $0.1.requiresGrad = true }
        }
        let trainable = model.vision.namedParameters().filter { $0.1.requiresGrad }.reduce(0) { $0 + $1.1.count }
        var rng = RNG(seed: seed, stream: 1)
        let side = model.config.vision.imageSize
        let pixels = Tensor.randn([batch, 3, side, side], rng: &rng)
        let start = DispatchTime.now().uptimeNanoseconds
        let loss = model.encodeImages(pixels).pow(2).mean()
        if mode != .frozen { loss.backward() }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Result(mode: mode.rawValue, trainableParameters: trainable,
                      peakRSSMegabytes: Double(usage.ru_maxrss) / 1024, stepSeconds: seconds)
    }
}

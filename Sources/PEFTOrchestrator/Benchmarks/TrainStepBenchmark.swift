import Foundation
import PEFTCLIP
import PEFTMethods
import PEFTTensor

/// One training step of image+text classification at CLIP ViT-B/32 shapes (random init: weights change values, not
/// cost), batch 32, as the training loop runs it: the method's frozen prefix read as cached states (computed once,
/// before timing, as a grid's runs share them), then the adapted layers, a concat head, cross-entropy, backward,
/// clipping and AdamW. `benchmarks/torch_train_step.py` runs the identical model and methods in PyTorch + peft.
public enum TrainStepBenchmark {
    /// A method configuration the benchmark knows by name.
    public struct Preset: Sendable {
        public var name: String
        public var method: String
        public var settings: [String: ConfigValue]
    }

    /// The presets of the issue's comparison; any registered method name also works (with its defaults).
    public static let presets: [Preset] = [
        Preset(name: "lora", method: "lora", settings: [:]),
        Preset(name: "lora-upper4", method: "lora", settings: ["layers": .string("9-12")]),
        Preset(name: "adapters-upper", method: "houlsby", settings: ["layers": .string("upper")]),
        Preset(name: "linear-probe", method: "linear-probe", settings: [:]),
    ]

    public struct Result: Sendable, Codable {
        public var method: String
        public var threads: Int
        public var batch: Int
        public var textTokens: String
        public var methodParameters: Int
        /// From the median step.
        public var examplesPerSecond: Double
        /// Over all timed steps (what an epoch of `steps` batches costs).
        public var examplesPerSecondOverall: Double
        public var stepSeconds: [Double]
        public var peakRSSMegabytes: Double
        public var feeds: [String: String]
    }

    /// Runs `steps` timed steps (after one warm-up) of `name` (a preset or a registered method).
    /// `tweetLengths` draws each batch's caption lengths like MMSD2.0's test tweets (mean 17, median 16, max 55
    /// CLIP tokens) instead of padding every caption to 77 tokens.
    public static func run(name: String, threads: Int, steps: Int = 5, batch: Int = 32, tweetLengths: Bool = false,
                           config: CLIPConfig = CLIPConfig(), registry: MethodRegistry = .standard) throws -> Result {
        let preset = presets.first { $0.name == name } ?? Preset(name: name, method: name, settings: [:])
        guard let descriptor = registry[preset.method] else {
            throw PermanentRunError("unknown method '\(name)'; presets: \(presets.map(\.name).joined(separator: ", ")), "
                                    + "methods: \(registry.names.joined(separator: ", "))")
        }
        ComputeThreads.setBLASThreads(threads)
        return try ComputeThreads.with(threads: threads) {
            let base = CLIPModel.random(config: config, seed: 0)
            let model = CLIPModel(sharingWeightsOf: base)
            let method = try descriptor.make(descriptor.settings(.map(preset.settings)))
            let mode = ForwardMode()
            var context = MethodContext(rng: RNG(seed: 1, stream: Trainer.methodStream), mode: mode)
            let trainable = try method.apply(to: model, context: &context)
            var headRNG = RNG(seed: 1)
            let head = ClassificationHead(classes: 2, head: FeatureHead(fusion: .concat, inputWidth: 2 * config.projectionDim,
                                                                        hiddenWidth: 0, outputs: 2, rng: &headRNG))
            let parameters = trainable + prefixed("head", head.namedParameters())
            let feeds = Dictionary(uniqueKeysWithValues: TowerKind.allCases.map { ($0, Trainer.feed(method.reach($0, in: model), cache: true)) })
            let optimizer = AdamW(weightDecay: 0.01)
            var rng = RNG(seed: 2, stream: 5)
            let labels = (0 ..< batch).map { $0 % 2 }

            func input(step: Int) -> EncoderInput {
                let pixels = Tensor.randn([batch, 3, config.vision.imageSize, config.vision.imageSize], rng: &rng)
                let lengths = tweetLengths ? (0 ..< batch).map { _ in tweetLength(&rng) } : [Int](repeating: 77, count: batch)
                let rows = lengths.map { n -> [Int] in
                    [config.text.bosTokenId] + (1 ..< n - 1).map { _ in rng.nextInt(below: 40_000) + 300 } + [config.text.eosTokenId]
                }
                let tokens = TokenBatch(rows: rows, padding: tweetLengths ? .longest : .maxLength, maxLength: 77, padTokenId: 0)
                return GradMode.noGrad {
                    var result = EncoderInput()
                    for (tower, feed) in feeds {
                        let value: TowerInput
                        switch (tower, feed) {
                        case (.vision, .raw): value = .pixels(pixels)
                        case (.text, .raw): value = .tokens(tokens)
                        case (.vision, .embeddings): value = .embeddings(base.encodeImages(pixels))
                        case (.text, .embeddings): value = .embeddings(base.encodeTexts(tokens))
                        case (.vision, .cached(let k)):
                            var s = base.vision.begin(pixels: pixels)
                            base.vision.run(&s, until: k)
                            value = .hidden(s.hidden, layer: k, poolPositions: s.poolPositions, attentionMask: nil)
                        case (.text, .cached(let k)):
                            var s = base.text.begin(tokens)
                            base.text.run(&s, until: k)
                            value = .hidden(s.hidden, layer: k, poolPositions: s.poolPositions, attentionMask: s.attentionMask)
                        }
                        if tower == .vision { result.vision = value } else { result.text = value }
                    }
                    return result
                }
            }

            var times: [Double] = []
            for step in 0 ... steps {
                let batchInput = input(step: step)
                let start = DispatchTime.now().uptimeNanoseconds
                mode.training = true
                let loss = head.loss(method.encode(batchInput, model: model), targets: Targets(labels: labels))
                for (_, p) in parameters { p.zeroGrad() }
                loss.backward()
                clipGradNorm(parameters, maxNorm: 1)
                optimizer.step(parameters, lr: 1e-4)
                if step > 0 { times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9) }
            }
            var usage = rusage()
            getrusage(RUSAGE_SELF.rawValue, &usage)
            let median = times.sorted()[times.count / 2]
            return Result(method: name, threads: threads, batch: batch, textTokens: tweetLengths ? "tweet lengths, trimmed per batch" : "77",
                          methodParameters: trainable.reduce(0) { $0 + $1.1.count },
                          examplesPerSecond: Double(batch) / median,
                          examplesPerSecondOverall: Double(batch * times.count) / times.reduce(0, +), stepSeconds: times,
                          peakRSSMegabytes: Double(usage.ru_maxrss) / 1024,
                          feeds: Dictionary(uniqueKeysWithValues: feeds.map { ($0.key.rawValue, "\($0.value)") }))
        }
    }

    /// A caption length in CLIP tokens (start and end tokens included) shaped like MMSD2.0's test tweets:
    /// a log-normal with median 16 and mean ≈ 17, clipped to 4…55.
    static func tweetLength(_ rng: inout RNG) -> Int {
        let z = Double(rng.nextGaussian())
        return Swift.min(55, Swift.max(4, Int((16 * Foundation.exp(0.35 * z)).rounded())))
    }
}

import PEFTCLIP
import PEFTMethods
import PEFTTensor
import PEFTTestSupport

/// A tiny random CLIP (width 32, 2 layers per tower, 16 px images, a 64-token vocabulary) and fixed inputs.
enum TinyCLIP {
    static let config: CLIPConfig = {
        var c = CLIPConfig.tiny(width: 32, layers: 2, heads: 4, imageSize: 16, patchSize: 8, projectionDim: 24, vocabSize: 64)
        c.text.bosTokenId = 62
        c.text.eosTokenId = 63
        c.text.maxPositionEmbeddings = 16
        return c
    }()

    static func model(seed: UInt64 = 1) -> CLIPModel { CLIPModel.random(config: config, seed: seed) }

    static let pixels = randomTensor([3, 3, 16, 16], seed: 5, requiresGrad: false)

    /// Three rows of different lengths, each `bos … eos`, padded with 0.
    static let tokens: TokenBatch = TokenBatch(rows: [[62, 5, 9, 63], [62, 7, 63], [62, 1, 2, 3, 4, 63]],
                                               padding: .longest, maxLength: 16, padTokenId: 0)

    static var input: EncoderInput { EncoderInput(vision: .pixels(pixels), text: .tokens(tokens)) }

    /// Settings of `descriptor` with `values` over its defaults.
    static func settings(_ descriptor: MethodDescriptor, _ values: [String: ConfigValue] = [:]) -> Settings {
        descriptor.settings(.map(values))
    }

    /// A per-run model over `base`'s weights with `descriptor` applied.
    static func apply(_ descriptor: MethodDescriptor, _ values: [String: ConfigValue] = [:], base: CLIPModel,
                      seed: UInt64 = 3) throws -> (CLIPModel, any PEFTMethod, [(String, Tensor)], ForwardMode) {
        let model = CLIPModel(sharingWeightsOf: base)
        let method = try descriptor.make(settings(descriptor, values))
        let mode = ForwardMode()
        var context = MethodContext(rng: RNG(seed: seed, stream: 1), mode: mode)
        let trainable = try method.apply(to: model, context: &context)
        return (model, method, trainable, mode)
    }
}

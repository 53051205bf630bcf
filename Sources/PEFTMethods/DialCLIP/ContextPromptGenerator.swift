import PEFTTensor

/// DialCLIP's multimodal context prompt generator: the dialog context as frozen CLIP features — the mean of its
/// turns' text embeddings and the mean of its images' embeddings (zeros when it has none), `[B, 2P]` — through a
/// small MLP (`fc1`: 2P → h, GELU, `fc2`: h → n·(dₜ + dᵥ)) to `n` prompt vectors per row for the text encoder's
/// input and, when `visionWidth > 0`, `n` for the image encoder's. Torch's default linear init.
///
/// Parameters: 2P·h + h + h·n·(dₜ + dᵥ) + n·(dₜ + dᵥ).
public final class ContextPromptGenerator: ParameterContainer {
    public let fc1: Linear
    public let fc2: Linear
    /// Prompts per tower, n.
    public let count: Int
    public let textWidth: Int
    /// 0 when the generator makes text prompts only.
    public let visionWidth: Int

    public init(projection: Int, hidden: Int, count: Int, textWidth: Int, visionWidth: Int, rng: inout RNG) {
        fc1 = Linear(inputSize: 2 * projection, outputSize: hidden, rng: &rng)
        fc2 = Linear(inputSize: hidden, outputSize: count * (textWidth + visionWidth), rng: &rng)
        self.count = count
        self.textWidth = textWidth
        self.visionWidth = visionWidth
    }

    /// `[B, 2P]` context features → text prompts `[B, n, dₜ]` and vision prompts `[B, n, dᵥ]` (nil without).
    public func callAsFunction(_ context: Tensor) -> (text: Tensor, vision: Tensor?) {
        let batch = context.shape[0], textSize = count * textWidth
        let out = fc2(fc1(context).gelu())
        let text = out.sliced(axis: 1, range: 0 ..< textSize).reshaped([batch, count, textWidth])
        guard visionWidth > 0 else { return (text, nil) }
        let vision = out.sliced(axis: 1, range: textSize ..< textSize + count * visionWidth).reshaped([batch, count, visionWidth])
        return (text, vision)
    }

    public func namedParameters() -> [(String, Tensor)] {
        prefixed("fc1", fc1.namedParameters()) + prefixed("fc2", fc2.namedParameters())
    }

    /// Parameters of a generator of these shapes.
    public static func parameterCount(projection p: Int, hidden h: Int, count n: Int, textWidth dt: Int, visionWidth dv: Int) -> Int {
        2 * p * h + h + h * n * (dt + dv) + n * (dt + dv)
    }
}

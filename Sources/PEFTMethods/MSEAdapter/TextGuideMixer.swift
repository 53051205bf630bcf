import PEFTTensor

/// MSE-Adapter's Text-Guide-Mixer: the text guide k = W_t · mean(text token embeddings) + b (the LM's frozen input
/// embeddings, mean-pooled over real tokens), and each non-text modality m projected to the same width and mixed by
/// the Hadamard product: TGM = Σ_m (m ⊙ k). With `guided` off (the `tgm: false` ablation) the three vectors are
/// concatenated instead, `[k; a; v]`, three times as wide.
///
/// Shapes: text embeddings `[B, T, D_lm]` with a 1/0 mask, audio `[B, F_a]` (an LSTM summary or pooled frames),
/// image `[B, F_v]` → `[B, width]` (or `[B, 3·width]` unguided). Parameters: `text_guide`, `audio_proj`,
/// `image_proj` (each a `Linear`).
public final class TextGuideMixer: ParameterContainer {
    public let textGuide: Linear
    public let audioProjection: Linear
    public let imageProjection: Linear
    public let guided: Bool

    public init(textWidth: Int, audioWidth: Int, imageWidth: Int, width: Int, guided: Bool, rng: inout RNG) {
        textGuide = Linear(inputSize: textWidth, outputSize: width, rng: &rng)
        audioProjection = Linear(inputSize: audioWidth, outputSize: width, rng: &rng)
        imageProjection = Linear(inputSize: imageWidth, outputSize: width, rng: &rng)
        self.guided = guided
    }

    /// Width of the mixer's output for vectors of `width`.
    public static func outputWidth(width: Int, guided: Bool) -> Int { guided ? width : 3 * width }

    /// Mean of `embeddings` `[B, T, D]` over the positions whose mask is 1 → `[B, D]`.
    public static func meanPool(_ embeddings: Tensor, mask: [[Int]]) -> Tensor {
        let (b, t) = (embeddings.shape[0], embeddings.shape[1])
        let weights = mask.flatMap { row -> [Float] in
            let n = Float(Swift.max(row.reduce(0, +), 1))
            return row.map { Float($0) / n }
        }
        return (embeddings * Tensor(shape: [b, t, 1], storage: weights)).sum(axes: [1])
    }

    public func callAsFunction(text: Tensor, audio: Tensor, image: Tensor) -> Tensor {
        let k = textGuide(text), a = audioProjection(audio), v = imageProjection(image)
        return guided ? a * k + v * k : Tensor.concatenated([k, a, v], axis: 1)
    }

    public func namedParameters() -> [(String, Tensor)] {
        prefixed("text_guide", textGuide.namedParameters()) + prefixed("audio_proj", audioProjection.namedParameters())
            + prefixed("image_proj", imageProjection.namedParameters())
    }
}

import PEFTTensor

/// A method that reads more of each example than the CLIP towers' inputs and may bring its own objective:
/// MSE-Adapter tokenises the utterance with its language model's tokenizer, runs the audio frames through an LSTM,
/// and in its `generate` mode trains the frozen LM to write the label. The training loop asks three things of it.
public protocol ExampleReadingMethod: PEFTMethod {
    /// Stored example features the loop passes unpooled, `[B, T, F]`, in `EncoderInput.examples` (e.g. `audio`);
    /// their widths reach `apply` in `MethodContext.featureWidths`.
    var sequenceFeatures: [String] { get }
    /// Width of the `extra` features `encode` returns for a standard head (nil: the method gives its own head).
    var featureWidth: Int? { get }
    /// A head replacing the task's standard one (e.g. the language model writing the label), or nil.
    func makeHead(task: TaskKind, classes: Int) -> (any TaskHead)?
    /// Parameters of the frozen models the method brings besides CLIP (its language model), for the run's total.
    var frozenParameterCount: Int { get }
}

/// Raw per-example inputs of a batch for an `ExampleReadingMethod`.
public struct ExampleInputs {
    /// Each example's text ("" when it has none).
    public var texts: [String]
    /// Per feature name, the frame sequences `[B, T, F]` (all examples of a dataset share T and F).
    public var sequences: [String: Tensor]

    public init(texts: [String], sequences: [String: Tensor]) {
        self.texts = texts
        self.sequences = sequences
    }
}

/// A batch of language-model input embeddings `[B, T, D]`, left-padded, with its 1/0 mask (1 = real position).
public struct EmbeddedSequence {
    public var embeddings: Tensor
    public var mask: [[Int]]

    public init(embeddings: Tensor, mask: [[Int]]) {
        self.embeddings = embeddings
        self.mask = mask
    }
}

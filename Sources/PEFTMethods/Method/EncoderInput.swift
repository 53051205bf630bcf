import PEFTCLIP
import PEFTTensor

/// What a method changes in a tower: it decides which frozen prefix the training loop may read from the feature
/// cache instead of recomputing it every step.
public enum TowerReach: Equatable, Sendable {
    /// Nothing in the tower changes: its pooled, projected embeddings are read from the cache (linear probe).
    case frozen
    /// Layers below `layer` are untouched and receive no prompt: the tower starts from the cached hidden state
    /// entering `layer` (0 = from pixels / token ids).
    case fromLayer(Int)
}

/// One tower's input for a batch, in the form the loop could provide it.
public enum TowerInput {
    /// Preprocessed images `[B, C, H, W]`.
    case pixels(Tensor)
    /// Token ids, padded to the longest row of the batch.
    case tokens(TokenBatch)
    /// The cached residual stream `[B, T, D]` entering `layer`; text rows carry their padding mask and pooling
    /// positions (vision pools token 0).
    case hidden(Tensor, layer: Int, poolPositions: [Int], attentionMask: [[Int]]?)
    /// The tower's cached pooled, projected embeddings `[B, projection_dim]`.
    case embeddings(Tensor)
}

extension TowerInput {
    /// The case's name, for messages (`pixels`, `tokens`, `hidden`, `embeddings`).
    public var kind: String {
        switch self {
        case .pixels: return "pixels"
        case .tokens: return "tokens"
        case .hidden: return "hidden"
        case .embeddings: return "embeddings"
        }
    }
}

/// A batch as a method's encoder sees it.
public struct EncoderInput {
    /// Vision tower input, nil when the run does not use images.
    public var vision: TowerInput?
    /// Text tower input, nil when the run does not use text.
    public var text: TowerInput?
    /// An extra per-example feature vector `[B, F]` (e.g. mean-pooled audio frames), when the run reads one.
    public var extra: Tensor?
    /// Retrieval types, turns, responses and distractors of a dialog retrieval batch (`DialogRetrieval`).
    public var dialog: DialogInput?
    /// Raw texts and unpooled feature sequences, for methods that read them (`ExampleReadingMethod`).
    public var examples: ExampleInputs?

    public init(vision: TowerInput? = nil, text: TowerInput? = nil, extra: Tensor? = nil, dialog: DialogInput? = nil,
                examples: ExampleInputs? = nil) {
        self.vision = vision
        self.text = text
        self.extra = extra
        self.dialog = dialog
        self.examples = examples
    }
}

/// The features a task head reads: the towers' pooled, projected embeddings and/or an extra feature.
public struct TowerFeatures {
    /// `[B, projection_dim]` image embeddings.
    public var image: Tensor?
    /// `[B, projection_dim]` text embeddings.
    public var text: Tensor?
    /// `[B, F]` extra feature.
    public var extra: Tensor?
    /// Retrieval types and distractor embeddings of a dialog retrieval batch (then `image` holds each row's
    /// candidate: its image or its response).
    public var dialog: DialogFeatures?
    /// A language model's input embeddings, for heads that run the language model themselves.
    public var sequence: EmbeddedSequence?

    public init(image: Tensor? = nil, text: Tensor? = nil, extra: Tensor? = nil, dialog: DialogFeatures? = nil,
                sequence: EmbeddedSequence? = nil) {
        self.image = image
        self.text = text
        self.extra = extra
        self.dialog = dialog
        self.sequence = sequence
    }
}

/// Runs each tower alone from whatever input the batch carries: the encoding of every method that does not need
/// the towers in lockstep (hooks and wrapped linears act inside the towers).
public enum StandardEncoding {
    /// The vision tower's embeddings for `input`.
    public static func vision(_ input: TowerInput, model: CLIPModel) -> Tensor {
        switch input {
        case .pixels(let pixels): return model.vision(pixels).embeddings
        case .embeddings(let embeddings): return embeddings
        case let .hidden(hidden, layer, _, _): return model.vision.finish(model.vision.resume(hidden: hidden, atLayer: layer)).embeddings
        case .tokens: preconditionFailure("StandardEncoding.vision: token input for the vision tower")
        }
    }

    /// The text tower's embeddings for `input`.
    public static func text(_ input: TowerInput, model: CLIPModel) -> Tensor {
        switch input {
        case .tokens(let batch): return model.text(batch).embeddings
        case .embeddings(let embeddings): return embeddings
        case let .hidden(hidden, layer, pool, mask):
            return model.text.finish(model.text.resume(hidden: hidden, atLayer: layer, poolPositions: pool,
                                                       attentionMask: mask)).embeddings
        case .pixels: preconditionFailure("StandardEncoding.text: pixel input for the text tower")
        }
    }

    /// Both towers, each alone.
    public static func encode(_ input: EncoderInput, model: CLIPModel) -> TowerFeatures {
        TowerFeatures(image: input.vision.map { vision($0, model: model) },
                      text: input.text.map { text($0, model: model) }, extra: input.extra)
    }
}

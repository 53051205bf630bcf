import PEFTCLIP
import PEFTTensor

/// What a dialog retrieval example retrieves: the photo shared next (PhotoChat's image retrieval) or the turn that
/// follows (MMDialog's response retrieval). It picks DialCLIP's projection expert and groups the per-type metrics.
public enum RetrievalType: String, Sendable, CaseIterable, Codable {
    case image, response
}

/// The dialog side of a retrieval batch, next to `EncoderInput.text` (each row's whole context: the query) and
/// `EncoderInput.vision` (each row's image: the candidate of an `image` row, the photo shared in the context of a
/// `response` row). Lists of turns, responses and distractors are flattened in row order, each with the row it
/// belongs to.
public struct DialogInput {
    /// Per row.
    public var types: [RetrievalType]
    /// Every context turn of every row (one text per turn), and the row of each.
    public var turns: TokenBatch?
    public var turnRows: [Int]
    /// The candidate text of each `response` row, and its row.
    public var responses: TokenBatch?
    public var responseRows: [Int]
    /// Hard negatives per row (evaluation only, 0 when absent): `distractorImages` holds `distractorsPerRow`
    /// images for each `image` row (rows `distractorImageRows`, consecutive), `distractorResponses` as many texts
    /// for each `response` row.
    public var distractorsPerRow: Int
    public var distractorImages: Tensor?
    public var distractorImageRows: [Int]
    public var distractorResponses: TokenBatch?
    public var distractorResponseRows: [Int]

    public init(types: [RetrievalType], turns: TokenBatch? = nil, turnRows: [Int] = [], responses: TokenBatch? = nil,
                responseRows: [Int] = [], distractorsPerRow: Int = 0, distractorImages: Tensor? = nil,
                distractorImageRows: [Int] = [], distractorResponses: TokenBatch? = nil, distractorResponseRows: [Int] = []) {
        self.types = types
        self.turns = turns
        self.turnRows = turnRows
        self.responses = responses
        self.responseRows = responseRows
        self.distractorsPerRow = distractorsPerRow
        self.distractorImages = distractorImages
        self.distractorImageRows = distractorImageRows
        self.distractorResponses = distractorResponses
        self.distractorResponseRows = distractorResponseRows
    }
}

/// What the retrieval head needs beyond the query (`TowerFeatures.text`) and candidate (`TowerFeatures.image`)
/// embeddings of a dialog batch.
public struct DialogFeatures {
    /// Per row.
    public var types: [RetrievalType]
    /// `[B, K, P]` embeddings of each row's K distractors (evaluation), nil when the batch has none.
    public var distractors: Tensor?

    public init(types: [RetrievalType], distractors: Tensor? = nil) {
        self.types = types
        self.distractors = distractors
    }
}

/// A method that encodes dialog batches itself (queries, candidates of both types and distractors), as DialCLIP
/// does with its context prompts and per-type experts; other methods go through `DialogRetrieval.encode`.
public protocol DialogRetrievalEncoder: PEFTMethod {}

/// Dialog retrieval for any method: the query is the context text, the candidate of an `image` row its image and of
/// a `response` row the response, encoded by the method's own text side (its prompts, wrapped linears and hooks
/// act on responses as on contexts); distractors are encoded the same way.
public enum DialogRetrieval {
    /// The features of a batch, with candidates chosen per row by retrieval type.
    public static func encode(_ method: any PEFTMethod, _ input: EncoderInput, model: CLIPModel) -> TowerFeatures {
        guard let dialog = input.dialog, !(method is any DialogRetrievalEncoder) else { return method.encode(input, model: model) }
        var features = method.encode(input, model: model)
        guard let images = features.image else { preconditionFailure("DialogRetrieval: the batch has no image features") }
        let responses = dialog.responses.map { text(method, $0, model: model) }
        features.image = candidates(images: images, responses: responses, responseRows: dialog.responseRows)
        let distractorImages = dialog.distractorImages.map { method.encode(EncoderInput(vision: .pixels($0)), model: model).image! }
        let distractorResponses = dialog.distractorResponses.map { text(method, $0, model: model) }
        features.dialog = DialogFeatures(types: dialog.types, distractors: distractors(
            dialog, images: distractorImages, responses: distractorResponses))
        return features
    }

    private static func text(_ method: any PEFTMethod, _ batch: TokenBatch, model: CLIPModel) -> Tensor {
        guard let text = method.encode(EncoderInput(text: .tokens(batch)), model: model).text else {
            preconditionFailure("DialogRetrieval: the method gave no text features for the responses")
        }
        return text
    }

    /// `[B, P]` candidates: row i of `images`, or for `responseRows[j] = i` row j of `responses` (differentiable).
    public static func candidates(images: Tensor, responses: Tensor?, responseRows: [Int]) -> Tensor {
        guard let responses, !responseRows.isEmpty else { return images }
        let batch = images.shape[0]
        var index = Array(0 ..< batch)
        for (j, row) in responseRows.enumerated() { index[row] = batch + j }
        return Tensor.concatenated([images, responses], axis: 0).indexSelect(axis: 0, indices: index)
    }

    /// `[B, K, P]` distractor embeddings in row order, from the image rows' and response rows' blocks of K; nil
    /// unless every row has its K.
    public static func distractors(_ dialog: DialogInput, images: Tensor?, responses: Tensor?) -> Tensor? {
        let k = dialog.distractorsPerRow, batch = dialog.types.count
        guard k > 0 else { return nil }
        var start: [Int: Int] = [:]
        for (j, row) in dialog.distractorImageRows.enumerated() where j % k == 0 { start[row] = j }
        let offset = images?.shape[0] ?? 0
        for (j, row) in dialog.distractorResponseRows.enumerated() where j % k == 0 { start[row] = offset + j }
        guard start.count == batch, let width = (images ?? responses)?.shape[1] else { return nil }
        let all = Tensor.concatenated([images, responses].compactMap { $0 }, axis: 0)
        let index = (0 ..< batch).flatMap { row in (0 ..< k).map { start[row]! + $0 } }
        return all.indexSelect(axis: 0, indices: index).reshaped([batch, k, width])
    }
}

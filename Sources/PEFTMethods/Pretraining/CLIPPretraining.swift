import PEFTCLIP
import PEFTTensor

/// Contrastive pretraining of a whole CLIP (`peftlab backbone pretrain`): every base tensor of both towers trains
/// (own copies, as in full fine-tuning) under the retrieval task's symmetric InfoNCE, whose learnable temperature
/// (`head.logit_scale`) becomes the saved backbone's `logit_scale`.
///
/// The 49 408-row token embedding stays at its initialisation unless `token_embedding: trained`: a caption corpus
/// uses a few hundred of its rows, and AdamW would otherwise update (and checkpoint two moments of) all 6.3 M values
/// at width 128 every step, most of the step's optimiser cost for rows that only decay.
public final class CLIPPretraining: PEFTMethod {
    /// HF key of the text tower's token embedding.
    public static let tokenEmbeddingKey = "text_model.embeddings.token_embedding.weight"
    /// Both towers, every layer, embeddings and projections.
    static let scope = BaseTensorScope(towers: .both, layers: .all)

    public static let descriptor = MethodDescriptor(
        name: "clip-pretrain",
        summary: "Contrastive pretraining of the whole CLIP (symmetric InfoNCE, learnable temperature): what `peftlab backbone pretrain` queues.",
        trains: "every base tensor of both towers (the token embedding only with token_embedding: trained); the head's logit_scale",
        tasks: [.retrieval],
        parameters: [
            ParameterSpec("token_embedding", .choice(["frozen", "trained"]), default: .string("frozen"),
                          help: "Whether the 49 408-row token embedding trains (frozen: it keeps its initialisation)."),
        ],
        parameterCount: { settings, config in
            let frozen = settings.string("token_embedding") == "frozen"
            return CLIPPretraining.scope.count(config) { !(frozen && $0 == CLIPPretraining.tokenEmbeddingKey) }
        },
        trainsBaseTensors: true,
        make: { CLIPPretraining(trainsTokenEmbedding: $0.string("token_embedding") == "trained") })

    public let trainsTokenEmbedding: Bool

    public init(trainsTokenEmbedding: Bool) { self.trainsTokenEmbedding = trainsTokenEmbedding }

    public func apply(to model: CLIPModel, context: inout MethodContext) throws -> [(String, Tensor)] {
        model.trainOwnCopies { key in
            CLIPPretraining.scope.contains(key, config: model.config) && (trainsTokenEmbedding || key != Self.tokenEmbeddingKey)
        }
    }

    public func reach(_ tower: TowerKind, in model: CLIPModel) -> TowerReach { .fromLayer(0) }
}

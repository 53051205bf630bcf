import PEFTCLIP
import PEFTTensor

/// DialCLIP (Yin et al., ICASSP 2024, "Empowering CLIP as Multi-Modal Dialog Retriever"): prompt tuning of a frozen
/// CLIP for dialog → image / response retrieval. Three parts, each an ablation switch:
/// - context prompts (`context_prompts`): `ContextPromptGenerator` turns the context's frozen CLIP features (its
///   turns, its images) into `n_context_prompts` vectors in the text encoder's input after the start token
///   (`PromptedText`), and with `vision_prompts` into the image encoder's input (after the class token) when it
///   encodes the context's images; a context's query is its text embedding plus, there, its images' embedding.
/// - domain prompts (`domain_prompts`): `n_domain_prompts` deep prompt tokens before each of the first
///   `prompt_depth` layers of both towers (`DeepPrompts`), for queries and candidates alike.
/// - projection experts (`experts`): `ProjectionExperts`, one per retrieval type or one shared.
/// Candidates (the image, or the response) never see a context's prompts, so every candidate has one embedding
/// and whole-split retrieval is a similarity matrix. Both towers run from pixels / token ids (reach: layer 0).
public final class DialCLIP: PEFTMethod, DialogRetrievalEncoder {
    public enum Experts: String, Sendable, CaseIterable { case perType = "per_type", shared }

    /// The name of the method's modules in `CLIPModel.methodModules`.
    public static let moduleName = "dialclip"

    public let settings: Settings
    public private(set) var modules: DialCLIPModules?

    public init(_ settings: Settings) { self.settings = settings }

    public func apply(to model: CLIPModel, context: inout MethodContext) throws -> [(String, Tensor)] {
        let modules = DialCLIPModules(settings, config: model.config, rng: &context.rng)
        self.modules = modules
        model.methodModules.append((Self.moduleName, modules))
        return prefixed(Self.moduleName, modules.namedParameters())
    }

    public func reach(_ tower: TowerKind, in model: CLIPModel) -> TowerReach { .fromLayer(0) }

    public func encode(_ input: EncoderInput, model: CLIPModel) -> TowerFeatures {
        guard let modules else { preconditionFailure("DialCLIP.encode before apply") }
        guard let textInput = input.text, case .pixels(let pixels)? = input.vision else {
            preconditionFailure("dialclip: needs token ids and pixels (its reach is layer 0 of both towers)")
        }
        let tokens = PromptedText.tokens(textInput, method: "dialclip")
        let batch = tokens.count
        let dialog = input.dialog ?? DialogInput(types: [RetrievalType](repeating: .image, count: batch))
        let contextImageRows = dialog.types.indices.filter { dialog.types[$0] == .response }

        // Queries: the context text with its prompts, plus its images through the prompted image encoder.
        let prompts = modules.generator.map { generator in
            generator(GradMode.noGrad { Self.contextFeatures(tokens, dialog, pixels: pixels, model: model) })
        }
        var queries = modules.text(tokens, context: prompts?.text, model: model)
        if let visionPrompts = prompts?.vision, !contextImageRows.isEmpty {
            let images = modules.vision(pixels.indexSelect(axis: 0, indices: contextImageRows),
                                        context: visionPrompts.indexSelect(axis: 0, indices: contextImageRows), model: model)
            queries = queries + DialogRetrieval.candidates(images: Tensor.zeros(queries.shape), responses: images,
                                                           responseRows: contextImageRows)
        }

        // Candidates: each row's image or response, with domain prompts only.
        let imageRows = dialog.types.indices.filter { dialog.types[$0] == .image }
        var candidates = modules.vision(imageRows.count == batch ? pixels : pixels.indexSelect(axis: 0, indices: imageRows),
                                        context: nil, model: model)
        if imageRows.count < batch {
            let width = candidates.shape[1]
            let responses = dialog.responses.map { modules.text($0, context: nil, model: model) }
            var index = [Int](repeating: 0, count: batch)
            for (j, row) in imageRows.enumerated() { index[row] = j }
            for (j, row) in dialog.responseRows.enumerated() { index[row] = imageRows.count + j }
            precondition(imageRows.count + dialog.responseRows.count == batch,
                         "dialclip: \(batch - imageRows.count) response rows, \(dialog.responseRows.count) responses")
            candidates = Tensor.concatenated([candidates, responses ?? Tensor.zeros([0, width])], axis: 0)
                .indexSelect(axis: 0, indices: index)
        }

        let experts = modules.experts
        let distractorImages = dialog.distractorImages.map {
            experts(modules.vision($0, context: nil, model: model), types: [RetrievalType](repeating: .image, count: $0.shape[0]))
        }
        let distractorResponses = dialog.distractorResponses.map {
            experts(modules.text($0, context: nil, model: model), types: [RetrievalType](repeating: .response, count: $0.count))
        }
        return TowerFeatures(image: experts(candidates, types: dialog.types), text: experts(queries, types: dialog.types),
                             extra: input.extra,
                             dialog: DialogFeatures(types: dialog.types, distractors: DialogRetrieval.distractors(
                                 dialog, images: distractorImages, responses: distractorResponses)))
    }

    /// `[B, 2P]`: per row, the mean frozen CLIP text embedding of its turns (the whole context when the batch has
    /// no turns) and the frozen image embedding of its context image (`response` rows; zeros otherwise).
    static func contextFeatures(_ tokens: TokenBatch, _ dialog: DialogInput, pixels: Tensor, model: CLIPModel) -> Tensor {
        let batch = tokens.count, width = model.config.projectionDim
        let turns = dialog.turns ?? tokens
        let turnRows = dialog.turns == nil ? Array(0 ..< batch) : dialog.turnRows
        let text = mean(model.text(turns).embeddings, rows: turnRows, batch: batch)
        let imageRows = dialog.types.indices.filter { dialog.types[$0] == .response }
        let images = imageRows.isEmpty ? Tensor.zeros([batch, width])
            : mean(model.vision(pixels.indexSelect(axis: 0, indices: imageRows)).embeddings, rows: imageRows, batch: batch)
        return Tensor.concatenated([text, images], axis: 1)
    }

    /// `[batch, P]` means of the rows of `x` `[N, P]` that belong to each row (`rows[j]` owns row j of `x`; none: 0).
    static func mean(_ x: Tensor, rows: [Int], batch: Int) -> Tensor {
        var counts = [Float](repeating: 0, count: batch)
        for row in rows { counts[row] += 1 }
        var weights = [Float](repeating: 0, count: batch * rows.count)
        for (j, row) in rows.enumerated() { weights[row * rows.count + j] = 1 / counts[row] }
        return Tensor(shape: [batch, rows.count], storage: weights).matmul(x)
    }
}

/// DialCLIP's trainable modules of one run (`dialclip.` in checkpoints): `context_generator.*`,
/// `text_domain.prompts.<l>`, `vision_domain.prompts.<l>`, `experts.<type>.*`; and the two prompted tower passes.
public final class DialCLIPModules: ParameterContainer {
    public let generator: ContextPromptGenerator?
    public let textDomain: DeepPrompts?
    public let visionDomain: DeepPrompts?
    public let experts: ProjectionExperts

    init(_ settings: Settings, config: CLIPConfig, rng: inout RNG) {
        let (dt, dv) = (config.text.hiddenSize, config.vision.hiddenSize)
        generator = settings.bool("context_prompts")
            ? ContextPromptGenerator(projection: config.projectionDim, hidden: settings.int("context_hidden"),
                                     count: settings.int("n_context_prompts"), textWidth: dt,
                                     visionWidth: settings.bool("vision_prompts") ? dv : 0, rng: &rng)
            : nil
        if settings.bool("domain_prompts") {
            let count = settings.int("n_domain_prompts")
            func prompts(_ tower: TowerKind, width: Int) -> DeepPrompts {
                DeepPrompts(hookName: "\(tower.rawValue)_domain", layers: DialCLIP.domainLayers(settings, config, tower),
                            count: count, width: width) { Tensor.randn($0, std: 0.02, rng: &rng, requiresGrad: true) }
            }
            textDomain = prompts(.text, width: dt)
            visionDomain = prompts(.vision, width: dv)
        } else {
            textDomain = nil
            visionDomain = nil
        }
        experts = ProjectionExperts(width: config.projectionDim, rank: settings.int("expert_rank"),
                                    shared: DialCLIP.Experts(rawValue: settings.string("experts")) == .shared, rng: &rng)
    }

    /// Text embeddings `[B, P]` of `batch` with `context` prompts (`[B, n, dₜ]`) in the input and the domain prompts.
    public func text(_ batch: TokenBatch, context: Tensor?, model: CLIPModel) -> Tensor {
        var state = context.map { PromptedText.begin(model.text, batch, context: $0) } ?? model.text.begin(batch)
        for layer in 0 ..< model.text.layers.count {
            textDomain?.beforeLayer(layer, state: &state)
            model.text.step(&state, layer: layer)
        }
        textDomain?.afterLastLayer(state: &state)
        return model.text.finish(state).embeddings
    }

    /// Image embeddings `[B, P]` of `pixels` with `context` prompts (`[B, n, dᵥ]`) after the class token (entering
    /// layer 0, after `pre_layrnorm`) and the domain prompts; every prompt is removed before pooling.
    public func vision(_ pixels: Tensor, context: Tensor?, model: CLIPModel) -> Tensor {
        var state = model.vision.begin(pixels: pixels)
        if let context { state.insertTokens(context, at: 1) }
        for layer in 0 ..< model.vision.layers.count {
            visionDomain?.beforeLayer(layer, state: &state)
            model.vision.step(&state, layer: layer)
        }
        visionDomain?.afterLastLayer(state: &state)
        if let context { state.removeTokens(at: 1, count: context.shape[1]) }
        return model.vision.finish(state).embeddings
    }

    public func namedParameters() -> [(String, Tensor)] {
        (generator.map { prefixed("context_generator", $0.namedParameters()) } ?? [])
            + (textDomain.map { prefixed("text_domain", $0.namedParameters()) } ?? [])
            + (visionDomain.map { prefixed("vision_domain", $0.namedParameters()) } ?? [])
            + prefixed("experts", experts.namedParameters())
    }
}

import PEFTCLIP

extension DialCLIP {
    public static let descriptor = MethodDescriptor(
        name: "dialclip",
        summary: "DialCLIP: context prompts from the dialog's CLIP features, deep domain prompts in both towers, one projection expert per retrieval type.",
        trains: "context prompt generator MLP + n_domain_prompts per layer of both towers + low-rank experts",
        tasks: [.retrieval],
        parameters: [
            ParameterSpec("context_prompts", .bool, default: .bool(true),
                          help: "Generate prompts from the dialog context (false: the no-context-prompt ablation)."),
            ParameterSpec("n_context_prompts", .int(min: 1, max: 1_000), default: .int(2),
                          help: "Context prompt vectors per row in the text input (and the image input with vision_prompts)."),
            ParameterSpec("context_hidden", .int(min: 1, max: 65_536), default: .int(8),
                          help: "Hidden width of the context prompt generator's MLP."),
            ParameterSpec("vision_prompts", .bool, default: .bool(true),
                          help: "Also insert context prompts into the image encoder when it encodes the context's images."),
            ParameterSpec("domain_prompts", .bool, default: .bool(true),
                          help: "Learn deep domain prompts in both towers (false: the no-domain-prompt ablation)."),
            ParameterSpec("n_domain_prompts", .int(min: 1, max: 1_000), default: .int(2),
                          help: "Domain prompt tokens per layer and tower (the prompt length)."),
            ParameterSpec("prompt_depth", .int(min: 1, max: 1_000), default: .int(9),
                          help: "Domain prompts before each of the first N layers of both towers (clamped to each tower)."),
            ParameterSpec("experts", .choice(Experts.allCases.map(\.rawValue)), default: .string(Experts.perType.rawValue),
                          help: "per_type: one projection expert per retrieval type (image, response); shared: one for all."),
            ParameterSpec("expert_rank", .int(min: 1, max: 65_536), default: .int(4),
                          help: "Rank r of each residual expert x + U·D·x."),
        ],
        check: { settings, config in
            let room = config.text.maxPositionEmbeddings - 2
            guard settings.bool("context_prompts"), settings.int("n_context_prompts") > room else { return [] }
            return [("n_context_prompts", "\(settings.int("n_context_prompts")) prompts leave no room for the start and "
                        + "end-of-text tokens in the backbone's \(config.text.maxPositionEmbeddings) text positions (at most \(room))")]
        },
        parameterCount: { settings, config in
            let (p, dt, dv) = (config.projectionDim, config.text.hiddenSize, config.vision.hiddenSize)
            var count = ProjectionExperts.parameterCount(width: p, rank: settings.int("expert_rank"),
                                                         count: Experts(rawValue: settings.string("experts")) == .shared ? 1 : RetrievalType.allCases.count)
            if settings.bool("context_prompts") {
                count += ContextPromptGenerator.parameterCount(projection: p, hidden: settings.int("context_hidden"),
                                                               count: settings.int("n_context_prompts"), textWidth: dt,
                                                               visionWidth: settings.bool("vision_prompts") ? dv : 0)
            }
            if settings.bool("domain_prompts") {
                count += settings.int("n_domain_prompts") * (dt * domainLayers(settings, config, .text).count
                                                              + dv * domainLayers(settings, config, .vision).count)
            }
            return count
        },
        make: { DialCLIP($0) })

    /// 0-based layers of `tower` before which fresh domain prompts enter: the first `prompt_depth`.
    static func domainLayers(_ settings: Settings, _ config: CLIPConfig, _ tower: TowerKind) -> [Int] {
        Array(0 ..< Swift.min(settings.int("prompt_depth"), config.layers(tower)))
    }
}

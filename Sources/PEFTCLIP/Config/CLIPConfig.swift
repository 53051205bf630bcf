import Foundation

/// Hyper-parameters of CLIP's text tower; field names and defaults follow `transformers.CLIPTextConfig`
/// (the 512-wide, 12-layer text encoder of ViT-B/32).
public struct CLIPTextConfig: Equatable, Sendable {
    /// Number of token embeddings (`vocab_size`).
    public var vocabSize = 49408
    /// Width of the residual stream (`hidden_size`).
    public var hiddenSize = 512
    /// Width of the MLP's hidden layer (`intermediate_size`).
    public var intermediateSize = 2048
    /// Projection width stored in the sub-config (`projection_dim`); the model uses `CLIPConfig.projectionDim`.
    public var projectionDim = 512
    /// Number of encoder layers (`num_hidden_layers`).
    public var numHiddenLayers = 12
    /// Number of attention heads (`num_attention_heads`); must divide `hiddenSize`.
    public var numAttentionHeads = 8
    /// Longest token sequence, special tokens included (`max_position_embeddings`).
    public var maxPositionEmbeddings = 77
    /// MLP non-linearity (`hidden_act`).
    public var hiddenAct = Activation.quickGelu
    /// Layer-norm epsilon (`layer_norm_eps`).
    public var layerNormEps = 1e-5
    /// Padding token id stored in the config (`pad_token_id`; the tokenizer pads with `<|endoftext|>`).
    public var padTokenId = 1
    /// Start-of-text token id (`bos_token_id`).
    public var bosTokenId = 49406
    /// End-of-text token id (`eos_token_id`). The legacy value 2 selects argmax-of-ids pooling, as transformers does.
    public var eosTokenId = 49407

    /// The ViT-B/32 text tower.
    public init() {}
}

/// Hyper-parameters of CLIP's vision tower; names and defaults follow `transformers.CLIPVisionConfig` (ViT-B/32).
public struct CLIPVisionConfig: Equatable, Sendable {
    /// Width of the residual stream (`hidden_size`).
    public var hiddenSize = 768
    /// Width of the MLP's hidden layer (`intermediate_size`).
    public var intermediateSize = 3072
    /// Projection width stored in the sub-config (`projection_dim`).
    public var projectionDim = 512
    /// Number of encoder layers (`num_hidden_layers`).
    public var numHiddenLayers = 12
    /// Number of attention heads (`num_attention_heads`); must divide `hiddenSize`.
    public var numAttentionHeads = 12
    /// Input channels (`num_channels`).
    public var numChannels = 3
    /// Square input side in pixels (`image_size`).
    public var imageSize = 224
    /// Square patch side in pixels (`patch_size`); must divide `imageSize`.
    public var patchSize = 32
    /// MLP non-linearity (`hidden_act`).
    public var hiddenAct = Activation.quickGelu
    /// Layer-norm epsilon (`layer_norm_eps`).
    public var layerNormEps = 1e-5

    /// The ViT-B/32 vision tower.
    public init() {}

    /// Patches per image side.
    public var gridSize: Int { imageSize / patchSize }
    /// Tokens per image: one class token plus `gridSize²` patches.
    public var numPositions: Int { gridSize * gridSize + 1 }
}

/// A whole CLIP model's configuration (`config.json` with `model_type: "clip"`): both towers, the shared
/// projection width and the initial logit scale. `CLIPConfig()` is ViT-B/32 (151 277 313 parameters).
public struct CLIPConfig: Equatable, Sendable {
    /// Text tower hyper-parameters (`text_config`).
    public var text = CLIPTextConfig()
    /// Vision tower hyper-parameters (`vision_config`).
    public var vision = CLIPVisionConfig()
    /// Width of the joint embedding space (`projection_dim`).
    public var projectionDim = 512
    /// Initial value of the learned log temperature (`logit_scale_init_value`, ln(1/0.07)).
    public var logitScaleInitValue = 2.6592

    /// ViT-B/32 with a 512-wide text tower.
    public init() {}

    /// Creates a configuration from its parts.
    public init(text: CLIPTextConfig, vision: CLIPVisionConfig, projectionDim: Int, logitScaleInitValue: Double = 2.6592) {
        self.text = text
        self.vision = vision
        self.projectionDim = projectionDim
        self.logitScaleInitValue = logitScaleInitValue
    }

    /// A tiny model for tests and the quickstart: `width`-wide towers of `layers` layers with `heads` heads,
    /// 32×32 images in 8×8 patches, the full 49 408-token vocabulary unless `vocabSize` is given.
    public static func tiny(width: Int = 64, layers: Int = 2, heads: Int = 4, imageSize: Int = 32, patchSize: Int = 8,
                            projectionDim: Int = 32, vocabSize: Int = 49408) -> CLIPConfig {
        var config = CLIPConfig()
        config.text.vocabSize = vocabSize
        config.text.hiddenSize = width
        config.text.intermediateSize = 4 * width
        config.text.numHiddenLayers = layers
        config.text.numAttentionHeads = heads
        config.text.projectionDim = projectionDim
        config.vision.hiddenSize = width
        config.vision.intermediateSize = 4 * width
        config.vision.numHiddenLayers = layers
        config.vision.numAttentionHeads = heads
        config.vision.imageSize = imageSize
        config.vision.patchSize = patchSize
        config.vision.projectionDim = projectionDim
        config.projectionDim = projectionDim
        return config
    }
}

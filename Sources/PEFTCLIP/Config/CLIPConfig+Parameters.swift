/// One tensor of a CLIP checkpoint: its HF key, shape, and how `CLIPBackboneFactory` initialises it.
public struct CLIPParameterSpec: Equatable, Sendable {
    /// Initial values, following `CLIPPreTrainedModel._init_weights` (initializer_factor 1).
    public enum Initialization: Equatable, Sendable {
        /// Gaussian with mean 0.
        case normal(std: Float)
        /// All zeros (biases).
        case zeros
        /// All ones (layer-norm gains).
        case ones
        /// A constant (`logit_scale`).
        case constant(Float)
    }

    /// Dotted HF key, e.g. `vision_model.encoder.layers.0.mlp.fc1.weight`.
    public var name: String
    /// Row-major shape; `[]` for `logit_scale`.
    public var shape: [Int]
    /// How a random backbone initialises it.
    public var initialization: Initialization
}

extension CLIPConfig {
    /// Every tensor a CLIP checkpoint holds for this configuration, in a stable order (text tower, vision tower,
    /// projections, logit scale). ViT-B/32 (`CLIPConfig()`) sums to 151 277 313 values.
    public func parameterSpecs() -> [CLIPParameterSpec] {
        var specs: [CLIPParameterSpec] = []
        func add(_ name: String, _ shape: [Int], _ initialization: CLIPParameterSpec.Initialization) {
            specs.append(CLIPParameterSpec(name: name, shape: shape, initialization: initialization))
        }
        func layerNorm(_ prefix: String, _ width: Int) {
            add(prefix + ".weight", [width], .ones)
            add(prefix + ".bias", [width], .zeros)
        }
        func encoder(_ prefix: String, width: Int, inner: Int, layers: Int) {
            let inStd = Float(width).squareRoot().reciprocal * Float(2 * max(layers, 1)).squareRoot().reciprocal
            let outStd = Float(width).squareRoot().reciprocal
            let fc1Std = Float(2 * width).squareRoot().reciprocal
            for layer in 0 ..< layers {
                let p = "\(prefix).encoder.layers.\(layer)."
                for projection in ["k_proj", "v_proj", "q_proj", "out_proj"] {
                    add(p + "self_attn.\(projection).weight", [width, width], .normal(std: projection == "out_proj" ? outStd : inStd))
                    add(p + "self_attn.\(projection).bias", [width], .zeros)
                }
                layerNorm(p + "layer_norm1", width)
                add(p + "mlp.fc1.weight", [inner, width], .normal(std: fc1Std))
                add(p + "mlp.fc1.bias", [inner], .zeros)
                add(p + "mlp.fc2.weight", [width, inner], .normal(std: inStd))
                add(p + "mlp.fc2.bias", [width], .zeros)
                layerNorm(p + "layer_norm2", width)
            }
        }
        let t = text
        add("text_model.embeddings.token_embedding.weight", [t.vocabSize, t.hiddenSize], .normal(std: 0.02))
        add("text_model.embeddings.position_embedding.weight", [t.maxPositionEmbeddings, t.hiddenSize], .normal(std: 0.02))
        encoder("text_model", width: t.hiddenSize, inner: t.intermediateSize, layers: t.numHiddenLayers)
        layerNorm("text_model.final_layer_norm", t.hiddenSize)
        let v = vision
        add("vision_model.embeddings.class_embedding", [v.hiddenSize],
            .normal(std: Float(v.hiddenSize).squareRoot().reciprocal))
        add("vision_model.embeddings.patch_embedding.weight", [v.hiddenSize, v.numChannels, v.patchSize, v.patchSize],
            .normal(std: 0.02))
        add("vision_model.embeddings.position_embedding.weight", [v.numPositions, v.hiddenSize], .normal(std: 0.02))
        layerNorm("vision_model.pre_layrnorm", v.hiddenSize)
        encoder("vision_model", width: v.hiddenSize, inner: v.intermediateSize, layers: v.numHiddenLayers)
        layerNorm("vision_model.post_layernorm", v.hiddenSize)
        add("visual_projection.weight", [projectionDim, v.hiddenSize], .normal(std: Float(v.hiddenSize).squareRoot().reciprocal))
        add("text_projection.weight", [projectionDim, t.hiddenSize], .normal(std: Float(t.hiddenSize).squareRoot().reciprocal))
        add("logit_scale", [], .constant(Float(logitScaleInitValue)))
        return specs
    }

    /// Total number of values in `parameterSpecs()`.
    public var parameterCount: Int { parameterSpecs().reduce(0) { $0 + $1.shape.reduce(1, *) } }
}

private extension Float {
    var reciprocal: Float { 1 / self }
}

import PEFTTensor

extension CLIPModel {
    /// A model with its own module tree (linear slots, adapter lists, hooks, layer norms) over `other`'s frozen base
    /// tensors: what each run of a process gets, so one load and one hash serve every run while the wrappers a PEFT
    /// method installs belong to one run only. `other` is not modified.
    public convenience init(sharingWeightsOf other: CLIPModel) {
        self.init(config: other.config, tensors: Dictionary(other.baseParameters(), uniquingKeysWith: { a, _ in a }))
    }

    /// A trainable copy of `tensor` for methods that train base weights (full fine-tuning, BitFit): the shared
    /// original stays frozen and untouched for the other runs.
    public static func ownCopy(_ tensor: Tensor) -> Tensor {
        Tensor(shape: tensor.shape, storage: tensor.storage, requiresGrad: true, name: tensor.name)
    }

    /// Makes the base tensors whose HF key satisfies `selected` trainable in this model only: each is replaced by an
    /// `ownCopy` where the model holds it (a tower's embedding tensors, a new `Linear` or `LayerNorm` around the
    /// copies, `logit_scale`); unselected tensors stay the shared frozen originals. Returns the copies by HF key, in
    /// `baseParameters()` order. What full fine-tuning and BitFit call.
    ///
    /// A linear slot holding a selected tensor must hold a plain `Linear` (not a wrapper such as LoRA's).
    /// - Complexity: copies the selected tensors' values (full fine-tuning: the whole backbone).
    @discardableResult
    public func trainOwnCopies(of selected: (String) -> Bool) -> [(String, Tensor)] {
        var copies: [String: Tensor] = [:]
        func copy(_ key: String, _ tensor: Tensor) -> Tensor {
            guard selected(key) else { return tensor }
            let own = Self.ownCopy(tensor)
            copies[key] = own
            return own
        }
        func linear(_ path: String, _ slot: any LinearLayer) -> any LinearLayer {
            let keys = [path + ".weight"] + (slot.base.bias == nil ? [] : [path + ".bias"])
            guard keys.contains(where: selected) else { return slot }
            precondition(slot === slot.base, "CLIPModel.trainOwnCopies: '\(path)' holds a \(type(of: slot)), not a plain Linear")
            return Linear(weight: copy(path + ".weight", slot.base.weight), bias: slot.base.bias.map { copy(path + ".bias", $0) })
        }
        func norm(_ path: String, _ norm: LayerNorm) -> LayerNorm {
            guard selected(path + ".weight") || selected(path + ".bias") else { return norm }
            return LayerNorm(weight: copy(path + ".weight", norm.weight), bias: copy(path + ".bias", norm.bias), eps: norm.eps)
        }

        text.tokenEmbedding = copy("text_model.embeddings.token_embedding.weight", text.tokenEmbedding)
        text.positionEmbedding = copy("text_model.embeddings.position_embedding.weight", text.positionEmbedding)
        vision.classEmbedding = copy("vision_model.embeddings.class_embedding", vision.classEmbedding)
        vision.patchEmbedding = copy("vision_model.embeddings.patch_embedding.weight", vision.patchEmbedding)
        vision.positionEmbedding = copy("vision_model.embeddings.position_embedding.weight", vision.positionEmbedding)
        vision.preLayerNorm = norm("vision_model.pre_layrnorm", vision.preLayerNorm)
        for tower in TowerKind.allCases {
            for layer in layers(tower) {
                let prefix = "\(tower.modelPrefix).encoder.layers.\(layer.index)."
                layer.qProj = linear(prefix + "self_attn.q_proj", layer.qProj)
                layer.kProj = linear(prefix + "self_attn.k_proj", layer.kProj)
                layer.vProj = linear(prefix + "self_attn.v_proj", layer.vProj)
                layer.outProj = linear(prefix + "self_attn.out_proj", layer.outProj)
                layer.fc1 = linear(prefix + "mlp.fc1", layer.fc1)
                layer.fc2 = linear(prefix + "mlp.fc2", layer.fc2)
                layer.layerNorm1 = norm(prefix + "layer_norm1", layer.layerNorm1)
                layer.layerNorm2 = norm(prefix + "layer_norm2", layer.layerNorm2)
            }
        }
        text.finalLayerNorm = norm("text_model.final_layer_norm", text.finalLayerNorm)
        vision.postLayerNorm = norm("vision_model.post_layernorm", vision.postLayerNorm)
        text.projection = linear(TowerKind.text.projectionKey, text.projection)
        vision.projection = linear(TowerKind.vision.projectionKey, vision.projection)
        logitScale = copy("logit_scale", logitScale)
        return baseParameters().compactMap { key, _ in copies[key].map { (key, $0) } }
    }
}

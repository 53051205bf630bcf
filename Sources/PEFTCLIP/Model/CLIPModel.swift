import Foundation
import PEFTTensor

/// A CLIP model: text and vision towers with their projections and the learned logit scale, parameter names and
/// layout as transformers' `CLIPModel` (so checkpoints move both ways with `save_pretrained`/`from_pretrained`).
///
/// Run a tower whole (`encodeTexts`, `encodeImages`, `text(batch)`, `vision(pixels)`) or step both in lockstep:
///
///     var t = model.text.begin(batch), v = model.vision.begin(pixels: pixels)
///     for _ in 0 ..< layers { model.text.step(&t); model.vision.step(&v) }   // exchange state in hooks/scratch
///     let (textOut, imageOut) = (model.text.finish(t), model.vision.finish(v))
///
/// `@unchecked Sendable`: concurrent forwards are safe (weights and slots are only read); PEFT methods edit layer
/// slots, hooks and adapters before the model is shared between threads.
public final class CLIPModel: ParameterContainer, @unchecked Sendable {
    /// The configuration the model was built from.
    public let config: CLIPConfig
    /// Text tower (`text_model.*`, `text_projection`).
    public let text: CLIPTextTower
    /// Vision tower (`vision_model.*`, `visual_projection`).
    public let vision: CLIPVisionTower
    /// Scalar log temperature (`logit_scale`, shape `[]`); logits are `exp(logitScale) · cos`.
    public internal(set) var logitScale: Tensor
    /// Modules a PEFT method runs itself, outside the towers' slots, adapter lists and hooks (CoOp's context vectors,
    /// CLIP-Adapter's MLPs on the embeddings, MaPLe's prompt learner), each under a name unique in the model. They
    /// belong to this model only and are listed by `namedParameters()` as `<name>.<parameter>`, so trainability and
    /// checkpoints see them like any other tensor; they are not part of the backbone (`save` does not write them).
    public var methodModules: [(name: String, module: any ParameterContainer)] = []

    /// Builds a model from tensors keyed by HF name; every key of `config.parameterSpecs()` must be present with
    /// its shape (use `load(from:)` for user-supplied files, which reports problems as errors).
    ///
    /// The model starts frozen (`requiresGrad` false everywhere, so forwards record no graph); PEFT methods add
    /// trainable modules, and methods that train base tensors (full fine-tuning, BitFit) swap in trainable copies
    /// (`trainOwnCopies(of:)`), so tensors shared with other models are never unfrozen.
    public init(config: CLIPConfig, tensors: [String: Tensor]) {
        self.config = config
        let lookup: (String) -> Tensor = { name in
            guard let tensor = tensors[name] else { preconditionFailure("CLIPModel: tensor '\(name)' missing") }
            return tensor
        }
        for spec in config.parameterSpecs() {
            let found = lookup(spec.name)
            precondition(found.shape == spec.shape, "CLIPModel: '\(spec.name)' is \(found.shape), expected \(spec.shape)")
            if found.name != spec.name { found.name = spec.name }
        }
        text = CLIPTextTower(config: config.text, weights: lookup)
        vision = CLIPVisionTower(config: config.vision, weights: lookup)
        logitScale = lookup("logit_scale")
        freezeAll()
    }

    /// Image embeddings `[B, projection_dim]` for preprocessed pixels `[B, C, H, W]` (`get_image_features`).
    public func encodeImages(_ pixels: Tensor) -> Tensor { vision(pixels).embeddings }

    /// Text embeddings `[B, projection_dim]` for a tokenised batch (`get_text_features`).
    public func encodeTexts(_ batch: TokenBatch) -> Tensor { text(batch).embeddings }

    /// CLIP's similarity logits `exp(logit_scale) · normalise(image) · normalise(text)ᵀ`, `[images, texts]`.
    public func logits(imageEmbeddings: Tensor, textEmbeddings: Tensor) -> Tensor {
        let image = imageEmbeddings.l2Normalized(axis: 1)
        let text = textEmbeddings.l2Normalized(axis: 1)
        return image.matmul(text.transposed(0, 1)) * logitScale.exp()
    }

    /// Every parameter under its full path: checkpoint tensors by HF key, then wrapper, adapter and hook tensors
    /// under their slot's path, then `methodModules` under their names. A tensor shared by several slots is listed once.
    public func namedParameters() -> [(String, Tensor)] {
        var seen = Set<ObjectIdentifier>()
        var result: [(String, Tensor)] = []
        let attached = methodModules.flatMap { entry in entry.module.namedParameters().map { ("\(entry.name).\($0.0)", $0.1) } }
        for (name, tensor) in text.namedParameters() + vision.namedParameters() + [("logit_scale", logitScale)] + attached
            where seen.insert(ObjectIdentifier(tensor)).inserted {
            result.append((name, tensor))
        }
        return result
    }

    /// Just the checkpoint tensors by HF key (base linears; no wrappers, adapters or hooks): what `save` writes.
    public func baseParameters() -> [(String, Tensor)] {
        text.baseParameters() + vision.baseParameters() + [("logit_scale", logitScale)]
    }

    /// All encoder layers of one tower, for PEFT targeting by tower and layer range.
    public func layers(_ tower: TowerKind) -> [CLIPEncoderLayer] {
        tower == .text ? text.layers : vision.layers
    }
}

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
}

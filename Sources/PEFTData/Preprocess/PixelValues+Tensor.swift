import PEFTTensor

extension PixelValues {
    /// The values as a `[3, H, W]` tensor (not requiring grad); copies nothing until either side mutates.
    public var tensor: Tensor { Tensor(shape: shape, storage: values) }
}

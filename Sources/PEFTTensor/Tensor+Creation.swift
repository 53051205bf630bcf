/// Tensors made from constants and from the seeded RNG.
extension Tensor {
    /// All zeros.
    public static func zeros(_ shape: [Int], requiresGrad: Bool = false) -> Tensor {
        Tensor(shape: shape, storage: [Float](repeating: 0, count: elementCount(shape)), requiresGrad: requiresGrad)
    }

    /// All ones.
    public static func ones(_ shape: [Int], requiresGrad: Bool = false) -> Tensor {
        full(shape, value: 1, requiresGrad: requiresGrad)
    }

    /// Every element `value`.
    public static func full(_ shape: [Int], value: Float, requiresGrad: Bool = false) -> Tensor {
        Tensor(shape: shape, storage: [Float](repeating: value, count: elementCount(shape)), requiresGrad: requiresGrad)
    }

    /// Normal N(0, std²) values drawn from `rng` (which advances by ⌈count/2⌉ blocks).
    public static func randn(_ shape: [Int], std: Float = 1, rng: inout RNG, requiresGrad: Bool = false) -> Tensor {
        var values = [Float](repeating: 0, count: elementCount(shape))
        values.withUnsafeMutableBufferPointer { rng.fillGaussian($0, std: std) }
        return Tensor(shape: shape, storage: values, requiresGrad: requiresGrad)
    }

    /// Uniform values in [low, high) drawn from `rng` (which advances by ⌈count/4⌉ blocks).
    public static func uniform(_ shape: [Int], low: Float, high: Float, rng: inout RNG, requiresGrad: Bool = false) -> Tensor {
        var values = [Float](repeating: 0, count: elementCount(shape))
        values.withUnsafeMutableBufferPointer { rng.fillUniform($0, low: low, high: high) }
        return Tensor(shape: shape, storage: values, requiresGrad: requiresGrad)
    }

    /// 0, 1, …, n−1 as a `[n]` tensor.
    public static func arange(_ n: Int) -> Tensor {
        Tensor(shape: [n], storage: (0..<n).map { Float($0) })
    }
}

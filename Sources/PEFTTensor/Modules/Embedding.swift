/// A lookup table of `count` vectors of size `dim` (token or position embeddings), initialised N(0, 1) like torch.
public final class Embedding: ParameterContainer {
    /// `[count, dim]`.
    public let weight: Tensor

    /// A trainable table with normal initial values scaled by `std`.
    public init(count: Int, dim: Int, std: Float = 1, rng: inout RNG) {
        weight = Tensor.randn([count, dim], std: std, rng: &rng, requiresGrad: true)
        weight.name = "weight"
    }

    /// Rows `indices` → `[indices.count, dim]`; gradients scatter-add into the used rows.
    public func callAsFunction(_ indices: [Int]) -> Tensor { weight.gathered(rows: indices) }

    public func namedParameters() -> [(String, Tensor)] { [("weight", weight)] }
}

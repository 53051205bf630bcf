import PEFTCLIP
import PEFTTensor

/// A sequential bottleneck adapter (Houlsby et al. 2019): `h + up(f(down(h)))` on a sub-layer's output, down
/// `[m, d]` (torch's default uniform init), up `[d, m]` zero-initialised so the adapted layer starts equal to the
/// frozen one. Parameters: `down.weight`, `down.bias`, `up.weight`, `up.bias` — 2·d·m + m + d in all.
public final class BottleneckAdapter: LayerAdapter {
    /// The non-linearity between the projections.
    public enum Activation: String, Sendable, CaseIterable { case relu, gelu, tanh }

    public let down: Linear
    public let up: Linear
    public let activation: Activation

    /// A fresh adapter of width `width` and bottleneck `bottleneck`.
    public init(width: Int, bottleneck: Int, activation: Activation, rng: inout RNG) {
        down = Linear(inputSize: width, outputSize: bottleneck, rng: &rng)
        up = Linear(weight: Tensor.zeros([width, bottleneck], requiresGrad: true), bias: Tensor.zeros([width], requiresGrad: true))
        self.activation = activation
    }

    /// The bottleneck state `f(down(h))` `[.., m]` (what AdS-CLIP shares between towers).
    public func state(_ h: Tensor) -> Tensor {
        let z = down(h)
        switch activation {
        case .relu: return z.relu()
        case .gelu: return z.gelu()
        case .tanh: return z.tanh()
        }
    }

    public func callAsFunction(_ output: Tensor, site: AdapterSite) -> Tensor {
        output + up(state(output))
    }

    public func namedParameters() -> [(String, Tensor)] {
        prefixed("down", down.namedParameters()) + prefixed("up", up.namedParameters())
    }

    /// Parameters of one adapter: 2·d·m + m + d.
    public static func parameterCount(width d: Int, bottleneck m: Int) -> Int { 2 * d * m + m + d }
}

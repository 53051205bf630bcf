import PEFTCLIP
import PEFTTensor

/// How a head combines the two towers' pooled, projected features `[B, P]` (`head.fusion`).
public enum Fusion: String, Sendable, CaseIterable {
    /// `[image; text]`, `[B, 2P]`.
    case concat
    /// `image + text`.
    case sum
    /// `normalise(image) ⊙ normalise(text)`: a cross-modal interaction feature (MSE-Adapter's Hadamard mixing).
    case product
    /// `[image; text; normalise(image) ⊙ normalise(text)]`, `[B, 3P]`.
    case concatProduct = "concat_product"
    /// The image features alone.
    case image
    /// The text features alone.
    case text

    /// The towers the fusion reads.
    public var towers: [TowerKind] {
        switch self {
        case .image: return [.vision]
        case .text: return [.text]
        default: return [.text, .vision]
        }
    }

    /// Width of the fused features for towers projecting to `projection`.
    public func width(projection: Int) -> Int {
        switch self {
        case .concat: return 2 * projection
        case .concatProduct: return 3 * projection
        case .sum, .product, .image, .text: return projection
        }
    }

    /// The fused features; an extra feature, when present, is the head's whole input.
    public func callAsFunction(_ features: TowerFeatures) -> Tensor {
        if let extra = features.extra { return extra }
        func need(_ t: Tensor?, _ name: String) -> Tensor {
            guard let t else { preconditionFailure("Fusion.\(rawValue): the \(name) features are missing") }
            return t
        }
        switch self {
        case .image: return need(features.image, "image")
        case .text: return need(features.text, "text")
        case .concat: return Tensor.concatenated([need(features.image, "image"), need(features.text, "text")], axis: 1)
        case .sum: return need(features.image, "image") + need(features.text, "text")
        case .product: return Self.product(need(features.image, "image"), need(features.text, "text"))
        case .concatProduct:
            let (i, t) = (need(features.image, "image"), need(features.text, "text"))
            return Tensor.concatenated([i, t, Self.product(i, t)], axis: 1)
        }
    }

    private static func product(_ a: Tensor, _ b: Tensor) -> Tensor { a.l2Normalized(axis: 1) * b.l2Normalized(axis: 1) }
}

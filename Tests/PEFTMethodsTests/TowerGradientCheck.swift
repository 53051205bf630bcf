import PEFTCLIP
import PEFTTensor
import PEFTTestSupport
import XCTest
@testable import PEFTMethods

/// Finite differences through a whole tiny tower (the prompt methods' gradient checks).
enum TowerGradientCheck {
    /// The absolute tolerance at h = 5e-2. Evaluated in Float32 through two layers, norms, attention and pooling,
    /// the checker's loss carries rounding noise of ≈ 2e-6 that does not vary smoothly with the input; the stencil
    /// amplifies it by ≈ 1.5/h. The observed differences shrink as 1/h (≈ 2e-4 at h = 1e-2, ≈ 5e-5 at h = 5e-2), so
    /// they are that noise, not the gradients' error (LoRA's factors through the same tower show the same): 1e-4 is
    /// twice it, against gradients up to ≈ 0.07.
    static let noise = 1e-4

    /// Gives tensors unit-scale values, so that the checks can use the large step: at their small initial scale a
    /// step of 5e-2 would be comparable to the prompt tokens' own spread, which their LayerNorms divide by.
    static func unitScale(_ tensors: [(String, Tensor)]) {
        for (i, (_, t)) in tensors.enumerated() { t.storage = randomTensor(t.shape, seed: UInt64(40 + i), requiresGrad: false).storage }
    }
}

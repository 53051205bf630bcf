import PEFTCLIP
import PEFTTensor
import PEFTTestSupport
import XCTest
@testable import PEFTMethods

final class BottleneckAdapterTests: XCTestCase {
    private func site(_ h: Tensor) -> AdapterSite {
        AdapterSite(tower: .vision, layer: 0, position: .afterMLP, residual: h, normalized: h)
    }

    func testStartsAsIdentityAndCountsItsParameters() {
        var rng = RNG(seed: 1)
        let adapter = BottleneckAdapter(width: 8, bottleneck: 3, activation: .relu, rng: &rng)
        let h = randomTensor([2, 4, 8], seed: 2, requiresGrad: false)
        assertClose(adapter(h, site: site(h)), h, rtol: 0, atol: 0)
        XCTAssertEqual(adapter.parameterCount(), BottleneckAdapter.parameterCount(width: 8, bottleneck: 3))
        XCTAssertEqual(BottleneckAdapter.parameterCount(width: 768, bottleneck: 48), 74_544, "methods.md's d = 768, r = 16")
    }

    func testGradientsMatchFiniteDifferencesForEveryActivation() {
        for activation in BottleneckAdapter.Activation.allCases {
            var rng = RNG(seed: 1)
            let adapter = BottleneckAdapter(width: 6, bottleneck: 3, activation: activation, rng: &rng)
            adapter.up.weight.storage = randomTensor([6, 3], seed: 3, requiresGrad: false).storage
            adapter.up.bias!.storage = randomTensor([6], seed: 4, requiresGrad: false).storage
            // Keep pre-activations far from ReLU's kink: one unit always on, one always off, one mixed only if smooth.
            adapter.down.bias!.storage = activation == .relu ? [8, -8, 8] : [0.1, -0.2, 0.3]
            let h = randomTensor([2, 3, 6], seed: 5)
            let inputs = [("h", h)] + adapter.namedParameters()
            XCTAssertEqual(gradientMismatches(inputs, step: 1e-2, rtol: 3e-3) { adapter(h, site: site(h)) }, [], "\(activation)")
        }
    }
}

@testable import PEFTTensor
import PEFTTestSupport
import XCTest

/// End-to-end check of the attention block: a full pre-LN encoder layer with causal + padding masks.
final class EncoderLayerGradientTests: XCTestCase {
    func testFullEncoderLayerGradientsMatchFiniteDifferences() {
        var rng = RNG(seed: 3)
        let layer = ReferenceEncoderLayer(width: 8, heads: 2, mlpWidth: 16, rng: &rng)
        // Non-trivial LayerNorm parameters so their gradients are exercised away from the identity.
        for t in [layer.layerNorm1.weight, layer.layerNorm2.weight] {
            t.storage = t.storage.indices.map { 1 + 0.1 * Float($0 % 3) }
        }
        let x = Tensor.randn([2, 4, 8], rng: &rng, requiresGrad: true)
        let mask = Tensor.causalMask(length: 4) + Tensor.paddingMask([[1, 1, 1, 0], [1, 1, 1, 1]])
        assertGradientsMatch([("x", x)] + layer.namedParameters()) { layer(x, mask: mask) }
    }

    func testFrozenLayerBelowATrainableHeadKeepsNoGraph() {
        var rng = RNG(seed: 4)
        let lower = ReferenceEncoderLayer(width: 8, heads: 2, mlpWidth: 16, rng: &rng)
        let upper = ReferenceEncoderLayer(width: 8, heads: 2, mlpWidth: 16, rng: &rng)
        lower.freezeAll()
        upper.freezeAll()
        upper.fc2.bias?.requiresGrad = true
        let before = GraphStatistics.liveNodes
        let x = Tensor.randn([2, 4, 8], rng: &rng)
        let hidden = lower(x, mask: nil)
        XCTAssertFalse(hidden.hasGraph)
        XCTAssertEqual(GraphStatistics.liveNodes, before)
        let out = upper(hidden, mask: nil)
        XCTAssertEqual(GraphStatistics.liveNodes - before, 2, "only the bias add and the residual add need nodes")
        out.sum().backward()
        XCTAssertEqual(upper.trainableParameters().map(\.0), ["mlp.fc2.bias"])
        XCTAssertNotNil(upper.fc2.bias?.grad)
        XCTAssertTrue((lower.namedParameters() + upper.namedParameters()).filter { $0.1.grad != nil }.count == 1)
    }
}

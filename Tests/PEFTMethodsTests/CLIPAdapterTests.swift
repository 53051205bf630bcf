import PEFTCLIP
import PEFTTensor
import PEFTTestSupport
import XCTest
@testable import PEFTMethods

final class CLIPAdapterTests: XCTestCase {
    /// An adapter whose pre-activations sit far from ReLU's kink: feature 0 is 4, the weights reading it are ±1 and
    /// the rest small, so each unit is clearly on or off (|z| ≈ 4 ≫ the finite-difference perturbations).
    private func adapter() -> (FeatureAdapter, Tensor) {
        var rng = RNG(seed: 1)
        let adapter = FeatureAdapter(width: 6, bottleneck: 3, ratio: 0.2, rng: &rng)
        var down = randomTensor([3, 6], seed: 2, std: 0.05, requiresGrad: false).storage
        for j in 0 ..< 3 { down[j * 6] = j == 1 ? -1 : 1 }
        adapter.down.weight.storage = down
        var up = randomTensor([6, 3], seed: 3, std: 0.05, requiresGrad: false).storage
        for i in 0 ..< 6 { up[i * 3] = i % 2 == 0 ? 1 : -1 }
        adapter.up.weight.storage = up
        var f = randomTensor([2, 6], seed: 4, std: 0.2, requiresGrad: false).storage
        f[0] = 4
        f[6] = 4
        return (adapter, Tensor(shape: [2, 6], storage: f, requiresGrad: true))
    }

    func testComputesTheResidualMixOfTheAuthorsAdapter() {
        let (adapter, f) = adapter()
        let hidden = GradMode.noGrad { f.linear(weight: adapter.down.weight, bias: nil).relu() }
        let adapted = GradMode.noGrad { hidden.linear(weight: adapter.up.weight, bias: nil).relu() }
        let expected = (0 ..< 12).map { 0.2 * adapted.storage[$0] + 0.8 * f.storage[$0] }
        assertClose(GradMode.noGrad { adapter(f) }.storage, expected, rtol: 1e-6, atol: 1e-7)
        XCTAssertEqual(adapter.namedParameters().map(\.0), ["fc.0.weight", "fc.2.weight"])
        XCTAssertNil(adapter.down.bias)
        XCTAssertEqual(adapter.parameterCount(), FeatureAdapter.parameterCount(width: 6, bottleneck: 3))
    }

    func testGradientsMatchFiniteDifferences() {
        let (adapter, f) = adapter()
        XCTAssertEqual(gradientMismatches([("f", f)] + adapter.namedParameters(), step: 1e-2) { adapter(f) }, [])
    }

    func testActsOnCachedEmbeddingsAndCountsAtViTB32() throws {
        let (model, method, trainable, _) = try TinyCLIP.apply(CLIPAdapter.descriptor, ["towers": .string("both")], base: TinyCLIP.model())
        XCTAssertEqual(trainable.map(\.0), ["visual_adapter.fc.0.weight", "visual_adapter.fc.2.weight",
                                            "text_adapter.fc.0.weight", "text_adapter.fc.2.weight"])
        XCTAssertEqual(method.reach(.vision, in: model), .frozen)
        XCTAssertEqual(method.reach(.text, in: model), .frozen)
        let image = randomTensor([2, 24], seed: 7, requiresGrad: false), text = randomTensor([2, 24], seed: 8, requiresGrad: false)
        let features = GradMode.noGrad { method.encode(EncoderInput(vision: .embeddings(image), text: .embeddings(text)), model: model) }
        let adapter = try XCTUnwrap((method as? CLIPAdapter)?.adapters[.vision])
        XCTAssertEqual(features.image!.storage, GradMode.noGrad { adapter(image) }.storage)
        let d = CLIPAdapter.descriptor
        XCTAssertEqual(d.parameterCount(d.settings(nil), CLIPConfig()), 131_072, "512 → 128 → 512 on the image side")
        XCTAssertEqual(d.parameterCount(d.settings(.map(["towers": .string("both")])), CLIPConfig()), 262_144)
    }
}

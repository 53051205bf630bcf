import Foundation
import PEFTTensor
import PEFTTestSupport
import XCTest

/// Fused layer norm, L2 normalisation, softmax and log-softmax, each against its composition from primitives.
final class NormalizationSoftmaxTests: XCTestCase {
    /// Layer norm written with primitive ops (the reference the fused kernel must match).
    private func composedLayerNorm(_ x: Tensor, _ w: Tensor, _ b: Tensor, eps: Float) -> Tensor {
        let centred = x - x.mean(axes: [-1], keepDims: true)
        let variance = (centred * centred).mean(axes: [-1], keepDims: true)
        return centred / (variance + eps).sqrt() * w + b
    }

    func testLayerNormMatchesComposedForwardAndBackward() {
        for shape in [[4, 6], [2, 3, 19], [1, 40]] {
            let d = shape.last ?? 1
            let x = randomTensor(shape, seed: 1, std: 2)
            let w = randomTensor([d], seed: 2), b = randomTensor([d], seed: 3)
            let fused = x.layerNorm(weight: w, bias: b, eps: 1e-5)
            assertClose(fused, composedLayerNorm(x, w, b, eps: 1e-5), rtol: 1e-4, atol: 1e-5)
            let g = randomTensor(shape, seed: 4, requiresGrad: false)
            (fused * g).sum().backward()
            let fusedGrads = [x.grad, w.grad, b.grad]
            [x, w, b].forEach { $0.zeroGrad() }
            (composedLayerNorm(x, w, b, eps: 1e-5) * g).sum().backward()
            for (fusedGrad, t) in zip(fusedGrads, [x, w, b]) {
                assertClose(fusedGrad ?? [], t.grad ?? [], rtol: 1e-3, atol: 1e-4)
            }
            [x, w, b].forEach { $0.zeroGrad() }
            assertGradientsMatch([("x", x), ("weight", w), ("bias", b)]) { x.layerNorm(weight: w, bias: b, eps: 1e-5) }
            assertGradientsMatch([("x", x)]) { x.layerNorm(weight: nil, bias: nil, eps: 1e-5) }
        }
    }

    func testLayerNormStatisticsAndThreadSplitAgree() {
        let x = randomTensor([300, 256], seed: 5, std: 3, requiresGrad: false)
        let one = ComputeThreads.with(threads: 1) { x.layerNorm(weight: nil, bias: nil, eps: 1e-5) }
        let two = ComputeThreads.with(threads: 2) { x.layerNorm(weight: nil, bias: nil, eps: 1e-5) }
        XCTAssertEqual(one.storage, two.storage)
        let rowMean = one.mean(axes: [-1]).storage, rowVar = (one * one).mean(axes: [-1]).storage
        for r in 0..<300 {
            XCTAssertEqual(rowMean[r], 0, accuracy: 1e-5)
            XCTAssertEqual(rowVar[r], 1, accuracy: 1e-3)
        }
    }

    func testLayerNormParameterGradientsSumOverThreads() {
        let x = randomTensor([400, 96], seed: 6)
        let w = randomTensor([96], seed: 7), b = randomTensor([96], seed: 8)
        let g = randomTensor([400, 96], seed: 9, requiresGrad: false)
        var grads: [[[Float]]] = []
        for threads in [1, 2] {
            ComputeThreads.with(threads: threads) { (x.layerNorm(weight: w, bias: b, eps: 1e-5) * g).sum().backward() }
            grads.append([x.grad ?? [], w.grad ?? [], b.grad ?? []])
            [x, w, b].forEach { $0.zeroGrad() }
        }
        for i in 0..<3 { assertClose(grads[1][i], grads[0][i], rtol: 1e-5, atol: 1e-5) }
    }

    func testL2NormalizedAndCosineSimilarity() {
        let x = Tensor(shape: [2, 2], storage: [3, 4, 0, 0])
        XCTAssertEqual(x.l2Normalized(axis: 1).storage, [0.6, 0.8, 0, 0])
        let a = randomTensor([3, 5], seed: 10), b = randomTensor([3, 5], seed: 11)
        assertGradientsMatch([("a", a)]) { a.l2Normalized(axis: 1) }
        assertGradientsMatch([("a", a)]) { a.l2Normalized(axis: 0) }
        assertGradientsMatch([("a", a), ("b", b)]) { Tensor.cosineSimilarity(a, b, axis: 1) }
        let cos = Tensor.cosineSimilarity(a, a * 2.5, axis: -1)
        assertClose(cos.storage, [1, 1, 1], rtol: 1e-6, atol: 1e-6)
    }

    func testSoftmaxMatchesComposedAndIsStable() {
        let x = randomTensor([3, 7], seed: 12, std: 3)
        let composed = (x - x.max(axis: 1, keepDims: true)).exp()
        assertClose(x.softmax(axis: 1), composed / composed.sum(axes: [1], keepDims: true), rtol: 1e-5, atol: 1e-7)
        let huge = Tensor(shape: [1, 3], storage: [1000, 1001, -1e9])
        let p = huge.softmax(axis: 1).storage
        assertClose(p, [Float(1 / (1 + M_E)), Float(M_E / (1 + M_E)), 0], rtol: 1e-6)
        XCTAssertEqual(Tensor(shape: [1, 2], storage: [-.infinity, -.infinity]).softmax(axis: 1).storage, [0, 0])
        let lsm = huge.logSoftmax(axis: 1).storage
        XCTAssertEqual(lsm[1], -Float(Foundation.log(1 + 1 / M_E)), accuracy: 1e-4)  // ulp(1000) ≈ 6e-5
        assertClose(x.logSoftmax(axis: 1), x.softmax(axis: 1).log(), rtol: 1e-5, atol: 1e-5)
    }

    func testSoftmaxGradientsOnEveryAxis() {
        let x = randomTensor([2, 3, 9], seed: 13)
        for axis in [0, 1, 2, -1] {
            assertGradientsMatch([("x", x)]) { x.softmax(axis: axis) }
            assertGradientsMatch([("x", x)]) { x.logSoftmax(axis: axis) }
        }
    }
}

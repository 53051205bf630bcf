import PEFTTensor
import PEFTTestSupport
import XCTest

/// Reductions (sum, mean, max) and movement ops (reshape, permute, expand, squeeze).
final class ReduceMovementTests: XCTestCase {
    func testSumAndMeanValues() {
        let x = Tensor(shape: [2, 3], storage: [1, 2, 3, 4, 5, 6])
        XCTAssertEqual(x.sum().storage, [21])
        XCTAssertEqual(x.sum().shape, [])
        XCTAssertEqual(x.sum(axes: [0]).storage, [5, 7, 9])
        XCTAssertEqual(x.sum(axes: [-1], keepDims: true).shape, [2, 1])
        XCTAssertEqual(x.sum(axes: [1]).storage, [6, 15])
        XCTAssertEqual(x.mean(axes: [0]).storage, [2.5, 3.5, 4.5])
        XCTAssertEqual(x.mean().scalar, 3.5)
        XCTAssertEqual(x.max(axis: 1).storage, [3, 6])
        XCTAssertEqual(x.max(axis: 0, keepDims: true).shape, [1, 3])
    }

    func testReductionGradients() {
        let x = randomTensor([3, 4, 5], seed: 4)
        assertGradientsMatch([("x", x)]) { x.sum(axes: [1]) }
        assertGradientsMatch([("x", x)]) { x.sum(axes: [0, 2], keepDims: true) }
        assertGradientsMatch([("x", x)]) { x.mean(axes: [-1]) }
        assertGradientsMatch([("x", x)]) { x.sum() }
        assertGradientsMatch([("x", x)]) { x.mean() }
        // Distinct values spaced > 4h apart, so the argmax does not move under the finite-difference steps.
        let distinct = Tensor(shape: [3, 4], storage: [0.1, 0.9, -0.4, 0.5, 1.3, -0.8, 0.2, 0.65, -1.1, 0.35, 1.6, -0.2],
                              requiresGrad: true)
        assertGradientsMatch([("x", distinct)]) { distinct.max(axis: 1) }
        assertGradientsMatch([("x", distinct)]) { distinct.max(axis: 0, keepDims: true) }
    }

    func testReshapeSharesValuesAndInfersOneAxis() {
        let x = Tensor(shape: [2, 6], storage: (0..<12).map(Float.init))
        let y = x.reshaped([3, -1])
        XCTAssertEqual(y.shape, [3, 4])
        XCTAssertEqual(y.storage, x.storage)
        XCTAssertEqual(x.unsqueezed(axis: 1).shape, [2, 1, 6])
        XCTAssertEqual(x.unsqueezed(axis: -1).shape, [2, 6, 1])
        XCTAssertEqual(x.unsqueezed(axis: 0).squeezed(axis: 0).shape, [2, 6])
        XCTAssertEqual(x.flattened().shape, [12])
    }

    func testPermuteValuesMatchNaiveIndexing() {
        let shape = [2, 3, 4, 5]
        let x = Tensor(shape: shape, storage: (0..<120).map(Float.init))
        for axes in [[0, 2, 1, 3], [3, 2, 1, 0], [1, 0, 3, 2], [0, 1, 3, 2], [2, 0, 3, 1]] {
            let y = x.permuted(axes)
            XCTAssertEqual(y.shape, axes.map { shape[$0] })
            for flat in 0..<120 {
                let out = multiIndex(flat, shape: y.shape)
                var src = [0, 0, 0, 0]
                for (i, a) in axes.enumerated() { src[a] = out[i] }
                let expected = Float(((src[0] * 3 + src[1]) * 4 + src[2]) * 5 + src[3])
                XCTAssertEqual(y.storage[flat], expected, "axes \(axes) at \(out)")
            }
        }
    }

    func testLargeTransposeMatchesNaive() {
        let x = randomTensor([37, 53], seed: 5, requiresGrad: false)
        let y = ComputeThreads.with(threads: 2) { x.transposed(0, 1) }
        for i in 0..<37 { for j in 0..<53 { XCTAssertEqual(y.storage[j * 37 + i], x.storage[i * 53 + j]) } }
    }

    func testMovementGradients() {
        let x = randomTensor([2, 3, 4], seed: 6)
        assertGradientsMatch([("x", x)]) { x.reshaped([4, 6]) * x.reshaped([4, 6]) }
        assertGradientsMatch([("x", x)]) { x.permuted([2, 0, 1]) }
        assertGradientsMatch([("x", x)]) { x.transposed(-1, -2) }
        let b = randomTensor([3, 1], seed: 7)
        assertGradientsMatch([("b", b)]) { b.expanded(to: [2, 3, 5]) }
        assertGradientsMatch([("x", x)]) { x.unsqueezed(axis: 1).squeezed(axis: 1) }
    }
}

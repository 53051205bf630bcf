import PEFTTensor
import PEFTTestSupport
import XCTest

/// Slicing, concatenation, gathers, and matrix products.
final class IndexingMatmulTests: XCTestCase {
    func testSliceConcatSplitValues() {
        let x = Tensor(shape: [2, 3], storage: [1, 2, 3, 4, 5, 6])
        XCTAssertEqual(x.sliced(axis: 1, range: 1..<3).storage, [2, 3, 5, 6])
        let joined = Tensor.concatenated([x, x.sliced(axis: 1, range: 0..<1)], axis: 1)
        XCTAssertEqual(joined.shape, [2, 4])
        XCTAssertEqual(joined.storage, [1, 2, 3, 1, 4, 5, 6, 4])
        let parts = x.split(axis: 0, sizes: [1, 1])
        XCTAssertEqual(parts.map(\.storage), [[1, 2, 3], [4, 5, 6]])
        XCTAssertEqual(x.gathered(rows: [1, 1, 0]).storage, [4, 5, 6, 4, 5, 6, 1, 2, 3])
        XCTAssertEqual(x.indexSelect(axis: 1, indices: [2, 0]).storage, [3, 1, 6, 4])
    }

    func testIndexingGradients() {
        let x = randomTensor([3, 4, 2], seed: 8)
        let y = randomTensor([3, 2, 2], seed: 9)
        assertGradientsMatch([("x", x)]) { x.sliced(axis: 1, range: 1..<3) }
        assertGradientsMatch([("x", x), ("y", y)]) { Tensor.concatenated([x, y, x], axis: 1) }
        assertGradientsMatch([("x", x)]) {
            let parts = x.split(axis: 1, sizes: [1, 3])
            return parts[0] * parts[1].sum(axes: [1], keepDims: true)
        }
        let table = randomTensor([5, 3], seed: 10)
        assertGradientsMatch([("table", table)]) { table.gathered(rows: [4, 0, 4, 2]) }
        assertGradientsMatch([("x", x)]) { x.indexSelect(axis: 1, indices: [3, 3, 0]) }
    }

    func testMatmulMatchesNaiveProduct() {
        let a = randomTensor([2, 3, 4], seed: 11, requiresGrad: false)
        let b = randomTensor([4, 5], seed: 12, requiresGrad: false)
        let c = a.matmul(b)
        XCTAssertEqual(c.shape, [2, 3, 5])
        var expected = [Float](repeating: 0, count: 30)
        for n in 0..<2 { for i in 0..<3 { for j in 0..<5 {
            var s: Float = 0
            for k in 0..<4 { s += a.storage[(n * 3 + i) * 4 + k] * b.storage[k * 5 + j] }
            expected[(n * 3 + i) * 5 + j] = s
        } } }
        assertClose(c.storage, expected, rtol: 1e-5)
        let bt = b.transposed(0, 1)
        assertClose(a.matmul(bt, transposingOther: true), c)
        let batched = a.matmul(Tensor.concatenated([b.unsqueezed(axis: 0), b.unsqueezed(axis: 0)], axis: 0))
        assertClose(batched, c)
    }

    func testMatmulGradients() {
        let a = randomTensor([2, 3, 4], seed: 13)
        let b = randomTensor([4, 5], seed: 14)
        let bt = randomTensor([5, 4], seed: 15)
        let batchB = randomTensor([2, 4, 3], seed: 16)
        let broadcastB = randomTensor([1, 4, 2], seed: 17)
        let square = randomTensor([3, 3], seed: 18)
        assertGradientsMatch([("a", a), ("b", b)]) { a.matmul(b) }
        assertGradientsMatch([("a", a), ("bt", bt)]) { a.matmul(bt, transposingOther: true) }
        assertGradientsMatch([("a", a), ("batchB", batchB)]) { a.matmul(batchB) }
        assertGradientsMatch([("a", a), ("broadcastB", broadcastB)]) { a.matmul(broadcastB) }
        assertGradientsMatch([("a", a), ("batchB", batchB)]) { a.matmul(batchB.transposed(1, 2), transposingOther: true) }
        assertGradientsMatch([("square", square)]) { square.matmul(square) }
    }

    func testLinearMatchesMatmulAndGradients() {
        let x = randomTensor([2, 3, 4], seed: 19)
        let w = randomTensor([5, 4], seed: 20)
        let b = randomTensor([5], seed: 21)
        assertClose(x.linear(weight: w, bias: b), x.matmul(w, transposingOther: true) + b, rtol: 1e-5, atol: 1e-6)
        assertGradientsMatch([("x", x), ("w", w), ("b", b)]) { x.linear(weight: w, bias: b) }
        assertGradientsMatch([("x", x), ("w", w)]) { x.linear(weight: w, bias: nil) }
        // Gradients accumulate onto existing ones (beta = 1 path).
        (x.linear(weight: w, bias: b).sum() + x.linear(weight: w, bias: b).sum()).backward()
        let twice = w.grad ?? []
        w.zeroGrad(); x.zeroGrad(); b.zeroGrad()
        x.linear(weight: w, bias: b).sum().backward()
        assertClose(twice, (w.grad ?? []).map { 2 * $0 }, rtol: 1e-6)
    }
}

import PEFTTensor
import PEFTTestSupport
import XCTest

/// Fused attention against its composition from primitives, masks, and finite differences.
final class AttentionTests: XCTestCase {
    private func composedAttention(_ q: Tensor, _ k: Tensor, _ v: Tensor, _ mask: Tensor?) -> Tensor {
        var scores = q.matmul(k, transposingOther: true) * (1 / Float(q.shape[3]).squareRoot())
        if let mask { scores = scores + mask }
        return scores.softmax(axis: -1).matmul(v)
    }

    func testMasksHaveDocumentedShapesAndValues() {
        let causal = Tensor.causalMask(length: 3)
        XCTAssertEqual(causal.shape, [1, 1, 3, 3])
        XCTAssertEqual(causal.storage, [0, -1e9, -1e9, 0, 0, -1e9, 0, 0, 0])
        let padding = Tensor.paddingMask([[1, 1, 0], [1, 0, 0]])
        XCTAssertEqual(padding.shape, [2, 1, 1, 3])
        XCTAssertEqual(padding.storage, [0, 0, -1e9, 0, -1e9, -1e9])
    }

    func testFusedMatchesComposedWithAndWithoutMasks() {
        let q = randomTensor([2, 3, 5, 4], seed: 1), k = randomTensor([2, 3, 6, 4], seed: 2)
        let v = randomTensor([2, 3, 6, 4], seed: 3)
        let padding = Tensor.paddingMask([[1, 1, 1, 1, 0, 0], [1, 1, 1, 1, 1, 1]])
        for mask in [nil, padding] {
            assertClose(Tensor.attention(q: q, k: k, v: v, mask: mask), composedAttention(q, k, v, mask), rtol: 1e-4, atol: 1e-5)
        }
        let square = randomTensor([2, 3, 6, 4], seed: 4)
        let both = Tensor.causalMask(length: 6) + padding
        XCTAssertEqual(both.shape, [2, 1, 6, 6])
        assertClose(Tensor.attention(q: square, k: k, v: v, mask: both), composedAttention(square, k, v, both),
                    rtol: 1e-4, atol: 1e-5)
    }

    func testMaskedKeysDoNotInfluenceTheOutput() {
        let q = randomTensor([1, 2, 3, 4], seed: 5, requiresGrad: false), k = randomTensor([1, 2, 3, 4], seed: 6)
        let v = randomTensor([1, 2, 3, 4], seed: 7, requiresGrad: false)
        let mask = Tensor.paddingMask([[1, 1, 0]])
        let out = Tensor.attention(q: q, k: k, v: v, mask: mask)
        var changed = v.storage
        for h in 0..<2 { for d in 0..<4 { changed[(h * 3 + 2) * 4 + d] += 100 } }
        let out2 = Tensor.attention(q: q, k: k, v: Tensor(shape: v.shape, storage: changed), mask: mask)
        assertClose(out, out2, rtol: 1e-6, atol: 1e-6)
        (out * randomTensor(out.shape, seed: 8, requiresGrad: false)).sum().backward()
        for h in 0..<2 { for d in 0..<4 { XCTAssertEqual(k.grad?[(h * 3 + 2) * 4 + d], 0) } }
    }

    func testGradientsWithCausalAndPaddingMask() {
        let q = randomTensor([2, 2, 5, 3], seed: 9), k = randomTensor([2, 2, 5, 3], seed: 10)
        let v = randomTensor([2, 2, 5, 3], seed: 11)
        let mask = Tensor.causalMask(length: 5) + Tensor.paddingMask([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1]])
        assertGradientsMatch([("q", q), ("k", k), ("v", v)]) { Tensor.attention(q: q, k: k, v: v, mask: mask) }
        let kLong = randomTensor([2, 2, 7, 3], seed: 12), vLong = randomTensor([2, 2, 7, 3], seed: 13)
        assertGradientsMatch([("q", q), ("k", kLong), ("v", vLong)]) { Tensor.attention(q: q, k: kLong, v: vLong, mask: nil) }
    }

    func testSameTensorAsQueryKeyAndValue() {
        let x = randomTensor([1, 2, 4, 3], seed: 14)
        assertGradientsMatch([("x", x)]) { Tensor.attention(q: x, k: x, v: x, mask: Tensor.causalMask(length: 4)) }
    }

    func testParallelHeadsMatchSerial() {
        let q = randomTensor([4, 6, 20, 16], seed: 15), k = randomTensor([4, 6, 20, 16], seed: 16)
        let v = randomTensor([4, 6, 20, 16], seed: 17)
        var results: [[[Float]]] = []
        for threads in [1, 2] {
            let out = ComputeThreads.with(threads: threads) { Tensor.attention(q: q, k: k, v: v, mask: Tensor.causalMask(length: 20)) }
            ComputeThreads.with(threads: threads) { out.sum().backward() }
            results.append([out.storage, q.grad ?? [], k.grad ?? [], v.grad ?? []])
            [q, k, v].forEach { $0.zeroGrad() }
        }
        for i in 0..<4 { XCTAssertEqual(results[0][i], results[1][i]) }
    }
}

import Foundation
import PEFTTensor
import PEFTTestSupport
import XCTest

/// Patch embedding, dropout and the losses.
final class LossConvolutionTests: XCTestCase {
    func testPatchEmbeddingMatchesNaiveConvolution() {
        let (b, c, hw, p, d) = (2, 3, 4, 2, 5)
        let x = randomTensor([b, c, hw, hw], seed: 1), w = randomTensor([d, c, p, p], seed: 2)
        let bias = randomTensor([d], seed: 3)
        let out = x.patchEmbedding(weight: w, bias: bias, patch: p)
        XCTAssertEqual(out.shape, [b, 4, d])
        for n in 0..<b { for py in 0..<2 { for px in 0..<2 { for o in 0..<d {
            var s = bias.storage[o]
            for ch in 0..<c { for ky in 0..<p { for kx in 0..<p {
                s += x.storage[((n * c + ch) * hw + py * p + ky) * hw + px * p + kx] * w.storage[((o * c + ch) * p + ky) * p + kx]
            } } }
            XCTAssertEqual(out.storage[(n * 4 + py * 2 + px) * d + o], s, accuracy: 1e-5)
        } } } }
        assertGradientsMatch([("x", x), ("weight", w), ("bias", bias)]) { x.patchEmbedding(weight: w, bias: bias, patch: p) }
    }

    func testDropoutIsSeededScaledAndDifferentiable() {
        let x = Tensor.ones([4000])
        var r1 = RNG(seed: 7), r2 = RNG(seed: 7)
        let a = x.dropout(p: 0.25, rng: &r1, training: true), b = x.dropout(p: 0.25, rng: &r2, training: true)
        XCTAssertEqual(a.storage, b.storage)
        XCTAssertEqual(r1, r2)
        let kept = a.storage.filter { $0 != 0 }
        XCTAssertEqual(Double(kept.count) / 4000, 0.75, accuracy: 0.03)
        XCTAssertTrue(kept.allSatisfy { Swift.abs($0 - 4.0 / 3.0) < 1e-6 })
        XCTAssertNotEqual(x.dropout(p: 0.25, rng: &r1, training: true).storage, a.storage)
        XCTAssertTrue(x.dropout(p: 0.5, rng: &r1, training: false) === x)
        let y = randomTensor([3, 4], seed: 8)
        assertGradientsMatch([("x", y)]) {
            var rng = RNG(seed: 9)
            return y.dropout(p: 0.3, rng: &rng, training: true)
        }
    }

    func testCrossEntropyMatchesComposedAndGradients() {
        let logits = randomTensor([4, 5], seed: 10, std: 2)
        let targets = [0, 4, 2, 2]
        let lsm = logits.logSoftmax(axis: 1).storage
        let expected = -targets.enumerated().map { lsm[$0.offset * 5 + $0.element] }.reduce(0, +) / 4
        XCTAssertEqual(logits.crossEntropy(targets: targets).scalar, expected, accuracy: 1e-6)
        assertGradientsMatch([("logits", logits)]) { logits.crossEntropy(targets: targets) }
    }

    func testRegressionLosses() {
        let p = Tensor(shape: [2, 2], storage: [1, 2, 3, 4], requiresGrad: true)
        let t = Tensor(shape: [2, 2], storage: [1.5, 2, 2, 6])
        XCTAssertEqual(p.mseLoss(t).scalar, (0.25 + 0 + 1 + 4) / 4)
        XCTAssertEqual(p.l1Loss(t).scalar, (0.5 + 0 + 1 + 2) / 4)
        let q = randomTensor([3, 4], seed: 11), target = randomTensor([3, 4], seed: 12, requiresGrad: false)
        assertGradientsMatch([("q", q)]) { q.mseLoss(target) }
        let away = Tensor(shape: [3, 4], storage: zip(q.storage, target.storage).map { $1 + ($0 >= $1 ? 1 : -1) * (0.2 + Swift.abs($0) * 0.1) },
                          requiresGrad: true)
        assertGradientsMatch([("q", away)]) { away.l1Loss(target) }
    }

    func testInfoNCEMatchesDefinitionAndGradients() {
        let a = randomTensor([4, 6], seed: 13), b = randomTensor([4, 6], seed: 14)
        let scale = Tensor(shape: [], storage: [Float(Foundation.log(5.0))], requiresGrad: true)
        let loss = Tensor.infoNCE(a, b, logitScale: scale)
        // Definition, in Double.
        func normalised(_ t: Tensor) -> [[Double]] {
            (0..<4).map { r in
                let row = (0..<6).map { Double(t.storage[r * 6 + $0]) }
                let n = row.map { $0 * $0 }.reduce(0, +).squareRoot()
                return row.map { $0 / n }
            }
        }
        let an = normalised(a), bn = normalised(b)
        let logits = (0..<4).map { i in (0..<4).map { j in 5 * zip(an[i], bn[j]).map(*).reduce(0, +) } }
        func ce(_ rows: [[Double]]) -> Double {
            rows.enumerated().map { i, row in Foundation.log(row.map { Foundation.exp($0) }.reduce(0, +)) - row[i] }.reduce(0, +) / 4
        }
        let columns = (0..<4).map { j in (0..<4).map { i in logits[i][j] } }
        XCTAssertEqual(Double(loss.scalar), (ce(logits) + ce(columns)) / 2, accuracy: 1e-5)
        assertGradientsMatch([("a", a), ("b", b), ("logitScale", scale)]) { Tensor.infoNCE(a, b, logitScale: scale) }
    }
}

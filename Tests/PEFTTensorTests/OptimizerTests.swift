import Foundation
import PEFTTensor
import PEFTTestSupport
import XCTest

/// AdamW and SGD against the torch formulas, bitwise resume, gradient clipping and LR schedules.
final class OptimizerTests: XCTestCase {
    private func parameter(_ values: [Float], grad: [Float]) -> Tensor {
        let p = Tensor(shape: [values.count], storage: values, requiresGrad: true)
        p.grad = grad
        return p
    }

    func testAdamWStepsMatchTorchFormula() {
        let p = parameter([0.5, -1.25, 2, 0], grad: [0.1, -0.3, 0.02, 1.5])
        let opt = AdamW(weightDecay: 0.05)
        var expected = p.storage.map(Double.init), m = [Double](repeating: 0, count: 4), v = m
        let grads: [[Float]] = [[0.1, -0.3, 0.02, 1.5], [-0.2, 0.1, 0.4, 1.0]]
        for (t, g) in grads.enumerated() {
            p.grad = g
            opt.step([("w", p)], lr: 0.01)
            let step = Double(t + 1), lr = Double(Float(0.01))
            for i in 0..<4 {
                let gi = Double(g[i])
                expected[i] *= 1 - lr * 0.05
                m[i] += (1 - 0.9) * (gi - m[i])
                v[i] = 0.999 * v[i] + (1 - 0.999) * gi * gi
                let denom = v[i].squareRoot() / (1 - Foundation.pow(0.999, step)).squareRoot() + 1e-8
                expected[i] -= lr / (1 - Foundation.pow(0.9, step)) * m[i] / denom
            }
        }
        assertClose(p.storage, expected.map(Float.init), rtol: 1e-6, atol: 1e-7)
        XCTAssertEqual(opt.state.step, 2)
        assertClose(opt.state.buffers["m.w"] ?? [], m.map(Float.init), rtol: 1e-6, atol: 1e-9)
        assertClose(opt.state.buffers["v.w"] ?? [], v.map(Float.init), rtol: 1e-6, atol: 1e-12)
    }

    func testSGDMomentumAndNesterovMatchTorchFormula() {
        for nesterov in [false, true] {
            let p = parameter([1, -2], grad: [0.5, 0.25])
            let opt = SGD(momentum: 0.9, weightDecay: 0.1, nesterov: nesterov)
            var expected: [Double] = [1, -2], buffer: [Double] = [0, 0]
            for (t, g) in [[0.5, 0.25], [-0.1, 0.3]].enumerated() {
                p.grad = g.map(Float.init)
                opt.step([("w", p)], lr: 0.1)
                for i in 0..<2 {
                    let d = Double(Float(g[i])) + 0.1 * expected[i]
                    buffer[i] = t == 0 ? d : 0.9 * buffer[i] + d
                    expected[i] -= Double(Float(0.1)) * (nesterov ? d + 0.9 * buffer[i] : buffer[i])
                }
            }
            assertClose(p.storage, expected.map(Float.init), rtol: 1e-6, atol: 1e-7, "nesterov \(nesterov)")
        }
    }

    func testParametersWithoutGradientAreUntouched() {
        let frozen = Tensor(shape: [2], storage: [1, 2], requiresGrad: true)
        let opt = AdamW()
        opt.step([("frozen", frozen)], lr: 0.1)
        XCTAssertEqual(frozen.storage, [1, 2])
        XCTAssertTrue(opt.state.buffers.isEmpty)
    }

    /// Save after 2 steps, restore into a fresh optimiser and parameter copy: step 3 must agree to the bit.
    func testSavedStateResumesBitwise() throws {
        for makeOptimizer in [{ AdamW(weightDecay: 0.01) as Optimizer }, { SGD(momentum: 0.9, weightDecay: 1e-4) as Optimizer }] {
            var rng = RNG(seed: 21)
            let w = Tensor.randn([33], rng: &rng, requiresGrad: true), b = Tensor.randn([5], rng: &rng, requiresGrad: true)
            let grads = (0..<3).map { _ in (Tensor.randn([33], rng: &rng).storage, Tensor.randn([5], rng: &rng).storage) }
            let original = makeOptimizer()
            for s in 0..<2 {
                w.grad = grads[s].0; b.grad = grads[s].1
                original.step([("w", w), ("b", b)], lr: 1e-3)
            }
            let saved = try JSONEncoder().encode(original.state)
            let wCopy = Tensor(shape: w.shape, storage: w.storage, requiresGrad: true)
            let bCopy = Tensor(shape: b.shape, storage: b.storage, requiresGrad: true)
            w.grad = grads[2].0; b.grad = grads[2].1
            original.step([("w", w), ("b", b)], lr: 1e-3)

            let resumed = makeOptimizer()
            resumed.state = try JSONDecoder().decode(OptimizerState.self, from: saved)
            wCopy.grad = grads[2].0; bCopy.grad = grads[2].1
            resumed.step([("w", wCopy), ("b", bCopy)], lr: 1e-3)
            XCTAssertEqual(wCopy.storage.map(\.bitPattern), w.storage.map(\.bitPattern))
            XCTAssertEqual(bCopy.storage.map(\.bitPattern), b.storage.map(\.bitPattern))
            XCTAssertEqual(resumed.state, original.state)
        }
    }

    func testClipGradNormScalesToMaxNorm() {
        let a = parameter([0, 0], grad: [3, 0]), b = parameter([0], grad: [4])
        let norm = clipGradNorm([("a", a), ("b", b)], maxNorm: 1)
        XCTAssertEqual(norm, 5)
        assertClose((a.grad ?? []) + (b.grad ?? []), [0.6, 0, 0.8], rtol: 1e-5)
        let small = parameter([0], grad: [0.5])
        XCTAssertEqual(clipGradNorm([("s", small)], maxNorm: 1), 0.5)
        XCTAssertEqual(small.grad, [0.5])
    }

    func testScheduleIsAPureFunctionOfStep() throws {
        let cosine = LRSchedule(warmupSteps: 10, totalSteps: 110, kind: .cosine, baseLR: 1e-3, minLR: 1e-5)
        XCTAssertEqual(cosine.lr(at: 0), 1e-4, accuracy: 1e-9)
        XCTAssertEqual(cosine.lr(at: 9), 1e-3, accuracy: 1e-9)
        XCTAssertEqual(cosine.lr(at: 60), (1e-3 + 1e-5) / 2, accuracy: 1e-9)
        XCTAssertEqual(cosine.lr(at: 110), 1e-5, accuracy: 1e-9)
        XCTAssertEqual(cosine.lr(at: 500), 1e-5, accuracy: 1e-9)
        let linear = LRSchedule(warmupSteps: 0, totalSteps: 100, kind: .linear, baseLR: 1, minLR: 0)
        XCTAssertEqual(linear.lr(at: 25), 0.75, accuracy: 1e-6)
        XCTAssertEqual(LRSchedule(totalSteps: 10, kind: .constant, baseLR: 0.3).lr(at: 7), 0.3)
        let decoded = try JSONDecoder().decode(LRSchedule.self, from: JSONEncoder().encode(cosine))
        XCTAssertEqual(decoded, cosine)
        XCTAssertEqual((0..<120).map(decoded.lr(at:)), (0..<120).map(cosine.lr(at:)))
    }
}

import Foundation
import PEFTTensor
import PEFTTestSupport
import XCTest

/// Broadcast arithmetic, scalar arithmetic and unary functions: values and finite-difference gradients.
final class ElementwiseTests: XCTestCase {
    func testBroadcastValues() {
        let a = Tensor(shape: [2, 3], storage: [1, 2, 3, 4, 5, 6])
        let b = Tensor(shape: [3], storage: [10, 20, 30])
        let c = Tensor(shape: [2, 1], storage: [100, 200])
        XCTAssertEqual((a + b).storage, [11, 22, 33, 14, 25, 36])
        XCTAssertEqual((a - c).storage, [-99, -98, -97, -196, -195, -194])
        XCTAssertEqual((b * c).shape, [2, 3])
        XCTAssertEqual((b * c).storage, [1000, 2000, 3000, 2000, 4000, 6000])
        XCTAssertEqual((a / Tensor(2)).storage, [0.5, 1, 1.5, 2, 2.5, 3])
        XCTAssertEqual((2 - a).storage, [1, 0, -1, -2, -3, -4])
        XCTAssertEqual((6 / a).storage, [6, 3, 2, 1.5, 1.2, 1])
    }

    func testLargeBroadcastMatchesNaiveLoopOnSeveralThreads() {
        let a = randomTensor([64, 33, 40], seed: 1, requiresGrad: false)
        let b = randomTensor([33, 1], seed: 2, requiresGrad: false)
        let out = ComputeThreads.with(threads: 2) { a * b }
        var expected = [Float](repeating: 0, count: a.count)
        for i in 0..<64 { for j in 0..<33 { for k in 0..<40 {
            expected[(i * 33 + j) * 40 + k] = a.storage[(i * 33 + j) * 40 + k] * b.storage[j]
        } } }
        XCTAssertEqual(out.storage, expected)
    }

    func testBinaryGradientsWithBroadcasting() {
        let cases: [([Int], [Int])] = [([3, 4], [3, 4]), ([3, 4], [4]), ([2, 1, 3], [4, 1]), ([5], [2, 3, 5]), ([2, 3], [])]
        for (i, (sa, sb)) in cases.enumerated() {
            let a = randomTensor(sa, seed: UInt64(10 + i))
            let b = randomTensor(sb, seed: UInt64(20 + i))
            let bPositive = Tensor(shape: sb, storage: b.storage.map { 1.5 + Swift.abs($0) }, requiresGrad: true)
            assertGradientsMatch([("a", a), ("b", b)]) { a + b }
            assertGradientsMatch([("a", a), ("b", b)]) { a - b }
            assertGradientsMatch([("a", a), ("b", b)]) { a * b }
            assertGradientsMatch([("a", a), ("b", bPositive)]) { a / bPositive }
        }
    }

    func testScalarArithmeticGradients() {
        let x = randomTensor([3, 5], seed: 3)
        let positive = Tensor(shape: [3, 5], storage: x.storage.map { 1 + Swift.abs($0) }, requiresGrad: true)
        assertGradientsMatch([("x", x)]) { (x + 2) * 3 - 1 }
        assertGradientsMatch([("x", x)]) { 1 - x / 4 }
        assertGradientsMatch([("x", x)]) { -x }
        assertGradientsMatch([("x", positive)]) { 2 / positive }
    }

    func testUnaryValuesMatchLibm() {
        let values: [Float] = [-30, -9, -3.5, -1, -0.3, -1e-3, 0, 2e-4, 0.6, 0.7, 1, 2.5, 8, 30]
        let x = Tensor(shape: [values.count], storage: values)
        func check(_ t: Tensor, _ f: (Double) -> Double, atol: Float = 1e-6, rtol: Float = 3e-6,
                   line: UInt = #line) {
            assertClose(t.storage, values.map { Float(f(Double($0))) }, rtol: rtol, atol: atol, line: line)
        }
        check(x.exp(), { Foundation.exp($0) }, atol: 0)
        check(x.tanh(), { Foundation.tanh($0) }, atol: 3e-7)
        check(x.sigmoid(), { 1 / (1 + Foundation.exp(-$0)) }, atol: 3e-7)
        check(x.relu(), { Swift.max($0, 0) })
        check(x.gelu(), { 0.5 * $0 * erfc(-$0 / 2.0.squareRoot()) }, atol: 1e-7, rtol: 2e-6)
        check(x.quickGelu(), { $0 / (1 + Foundation.exp(-1.702 * $0)) }, atol: 3e-7)
        check(x.abs(), { Swift.abs($0) })
        check(x.clamp(min: -1, max: 2), { Swift.min(Swift.max($0, -1), 2) })
        check(x.pow(2), { $0 * $0 })
        let positive = Tensor(shape: [4], storage: [1e-3, 0.5, 2, 900])
        assertClose(positive.log().storage, positive.storage.map { Float(Foundation.log(Double($0))) })
        assertClose(positive.sqrt().storage, positive.storage.map { $0.squareRoot() })
        assertClose(positive.pow(1.5).storage, positive.storage.map { Float(Foundation.pow(Double($0), 1.5)) })
    }

    func testUnaryGradients() {
        // Values kept > 2h away from the kinks of relu, abs and clamp.
        let x = Tensor(shape: [2, 6], storage: [-2.1, -1.3, -0.7, -0.2, 0.15, 0.4, 0.8, 1.2, 1.7, 2.4, -3.1, 3.3],
                       requiresGrad: true)
        let positive = Tensor(shape: [2, 3], storage: [0.3, 0.8, 1.5, 2.2, 3.7, 5.1], requiresGrad: true)
        for (name, f) in [("exp", { x.exp() }), ("tanh", { x.tanh() }), ("sigmoid", { x.sigmoid() }),
                          ("relu", { x.relu() }), ("gelu", { x.gelu() }), ("quickGelu", { x.quickGelu() }),
                          ("abs", { x.abs() }), ("clamp", { x.clamp(min: -1, max: 1) }), ("square", { x.pow(2) })]
            as [(String, () -> Tensor)] {
            assertGradientsMatch([(name, x)], f)
        }
        assertGradientsMatch([("log", positive)]) { positive.log() }
        assertGradientsMatch([("sqrt", positive)]) { positive.sqrt() }
        assertGradientsMatch([("pow", positive)]) { positive.pow(1.7) }
    }
}

import Foundation
@testable import PEFTTensor
import PEFTTestSupport
import XCTest

/// Vectorised math accuracy, thread settings, and kernels that split work across threads.
final class KernelTests: XCTestCase {
    /// Dense sweeps against Double libm.
    func testVectorMathAccuracy() {
        func sweep(_ range: ClosedRange<Double>, _ n: Int = 20_001) -> [Float] {
            (0..<n).map { Float(range.lowerBound + (range.upperBound - range.lowerBound) * Double($0) / Double(n - 1)) }
        }
        func worst(_ xs: [Float], _ f: (SIMD8<Float>) -> SIMD8<Float>, _ reference: (Double) -> Double,
                   relative: Bool) -> Double {
            var error = 0.0
            for x in xs {
                let got = Double(f(SIMD8(repeating: x))[0]), want = reference(Double(x))
                error = Swift.max(error, relative ? Swift.abs(got - want) / Swift.max(Swift.abs(want), 1e-30) : Swift.abs(got - want))
            }
            return error
        }
        XCTAssertLessThan(worst(sweep(-80...80), VectorMath.exp, { Foundation.exp($0) }, relative: true), 3e-7)
        XCTAssertLessThan(worst(sweep(0...3), VectorMath.erfcNonNegative, { erfc($0) }, relative: true), 2e-6)
        // Far tail: Float rounding of z² (condition number z² in exp(−z²)) dominates.
        XCTAssertLessThan(worst(sweep(3...9), VectorMath.erfcNonNegative, { erfc($0) }, relative: true), 1e-5)
        XCTAssertLessThan(worst(sweep(-12...12), VectorMath.normalCDF, { 0.5 * erfc(-$0 / 2.0.squareRoot()) }, relative: false), 2e-7)
        XCTAssertLessThan(worst(sweep(-10...10), VectorMath.tanh, { Foundation.tanh($0) }, relative: false), 3e-7)
        XCTAssertLessThan(worst(sweep(-0.6...0.6), VectorMath.tanh, { Foundation.tanh($0) }, relative: true), 3e-7)
        XCTAssertLessThan(worst(sweep(-30...30), VectorMath.sigmoid, { 1 / (1 + Foundation.exp(-$0)) }, relative: false), 3e-7)
        XCTAssertEqual(VectorMath.exp(SIMD8(repeating: -1e9))[0], 0)
        XCTAssertEqual(VectorMath.exp(SIMD8(repeating: 0))[0], 1)
    }

    func testComputeThreadsAreScopedAndThreadLocal() {
        let outer = ComputeThreads.current
        ComputeThreads.with(threads: 3) {
            XCTAssertEqual(ComputeThreads.current, 3)
            ComputeThreads.with(threads: 1) { XCTAssertEqual(ComputeThreads.current, 1) }
            XCTAssertEqual(ComputeThreads.current, 3)
        }
        XCTAssertEqual(ComputeThreads.current, outer)
        let previous = ComputeThreads.blasThreads
        ComputeThreads.setBLASThreads(1)
        XCTAssertEqual(ComputeThreads.blasThreads, 1)
        ComputeThreads.setBLASThreads(previous)
    }

    /// Kernels that split rows across threads give bitwise the same answers as one thread.
    func testThreadSplitKernelsAreDeterministic() {
        let x = randomTensor([257, 300], seed: 1)
        func run() -> [[Float]] {
            x.zeroGrad()
            let outputs = [x.exp(), x.gelu(), x.quickGelu(), x.softmax(axis: 1), x.logSoftmax(axis: 1), x.permuted([1, 0]),
                           x * Tensor(shape: [300], storage: [Float](repeating: 1.5, count: 300)), x.sum(axes: [0])]
            Tensor.concatenated(outputs.map { $0.reshaped([-1]) }, axis: 0).sum().backward()
            return outputs.map(\.storage) + [x.grad ?? []]
        }
        let one = ComputeThreads.with(threads: 1, run), two = ComputeThreads.with(threads: 2, run)
        for (a, b) in zip(one, two) { XCTAssertEqual(a, b) }
    }

    func testDescriptionAndGraphDump() {
        let w = Tensor(shape: [2], storage: [1, 2], requiresGrad: true, name: "head.weight")
        let y = (w * w).sum()
        XCTAssertEqual(w.description, "Tensor([2], requiresGrad, head.weight) [1.0, 2.0]")
        XCTAssertEqual(y.graphDescription(), "sum []\n  mul [2]\n    head.weight [2] ∂\n    head.weight [2] (see above)")
    }

    func testBenchmarkReportsRenderWithoutTimingAssertions() throws {
        let settings = BenchmarkSettings(threads: 1, repeats: 1)
        let result = GEMMBenchmark.measure(m: 8, k: 8, n: 8, repeats: 1)
        XCTAssertEqual(result.metrics.map(\.name), ["engine_gflops", "sgemm_gflops", "ratio"])
        XCTAssertTrue(BenchmarkReport.table([result], settings: settings).contains("8x8 @ 8x8"))
        let json = try BenchmarkReport.json([result], settings: settings)
        XCTAssertTrue(json.contains("\"suite\" : \"gemm\""))
    }
}

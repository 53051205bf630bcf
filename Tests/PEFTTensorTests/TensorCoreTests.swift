import Foundation
@testable import PEFTTensor
import PEFTTestSupport
import XCTest

/// The autograd core: accumulation, graph release, grad mode, frozen paths.
final class TensorCoreTests: XCTestCase {
    func testSharedInputAccumulatesBothPaths() {
        let x = Tensor(shape: [3], storage: [1, -2, 0.5], requiresGrad: true)
        let y = (x * x + x).sum()  // dy/dx = 2x + 1
        y.backward()
        assertClose(x.grad ?? [], [3, -3, 2])
    }

    func testGradientsAccumulateAcrossBackwardCallsUntilZeroGrad() {
        let w = Tensor(shape: [2], storage: [1, 2], requiresGrad: true)
        (w * 3).sum().backward()
        (w * 3).sum().backward()
        assertClose(w.grad ?? [], [6, 6])
        w.zeroGrad()
        XCTAssertNil(w.grad)
    }

    func testBackwardReleasesTheGraph() {
        let before = GraphStatistics.liveNodes
        let w = Tensor(shape: [4], storage: [1, 2, 3, 4], requiresGrad: true)
        let loss = (w.exp() * w).sum()
        XCTAssertEqual(GraphStatistics.liveNodes - before, 3)
        loss.backward()
        XCTAssertEqual(GraphStatistics.liveNodes, before)
        XCTAssertFalse(loss.hasGraph)
        XCTAssertNotNil(w.grad)
    }

    func testUnusedGraphIsFreedWithItsTensors() {
        let before = GraphStatistics.liveNodes
        do {
            let w = Tensor(shape: [2], storage: [1, 2], requiresGrad: true)
            _ = (w * w).sum()
        }
        XCTAssertEqual(GraphStatistics.liveNodes, before)
    }

    func testNoGradRecordsNothing() {
        let w = Tensor(shape: [2], storage: [1, 2], requiresGrad: true)
        let y = GradMode.noGrad { (w * w).sum() }
        XCTAssertFalse(y.hasGraph)
        XCTAssertFalse(y.requiresGrad)
        XCTAssertTrue(GradMode.isEnabled)
    }

    func testGradModeIsThreadLocal() {
        final class Flag: @unchecked Sendable { var value = false }
        let seen = Flag()
        GradMode.noGrad {
            let done = DispatchSemaphore(value: 0)
            Thread { seen.value = GradMode.isEnabled; done.signal() }.start()
            done.wait()
            XCTAssertFalse(GradMode.isEnabled)
        }
        XCTAssertTrue(seen.value, "noGrad on one thread switched recording off on another")
    }

    /// Only the top layer trains: nothing below it may be recorded, and the frozen weights get no gradient.
    func testFrozenLowerLayersRecordNoGraph() {
        var rng = RNG(seed: 1)
        let x = Tensor.randn([4, 8], rng: &rng)
        let w1 = Tensor.randn([16, 8], rng: &rng), b1 = Tensor.zeros([16])
        let w2 = Tensor.randn([3, 16], rng: &rng, requiresGrad: true)
        let before = GraphStatistics.liveNodes
        let hidden = x.linear(weight: w1, bias: b1).layerNorm(weight: nil, bias: nil, eps: 1e-5).gelu()
        XCTAssertFalse(hidden.hasGraph)
        XCTAssertEqual(GraphStatistics.liveNodes, before, "frozen ops recorded graph nodes")
        let loss = hidden.linear(weight: w2, bias: nil).crossEntropy(targets: [0, 1, 2, 0])
        XCTAssertTrue(loss.hasGraph)
        XCTAssertEqual(GraphStatistics.liveNodes - before, 2, "expected only linear + cross-entropy nodes")
        loss.backward()
        XCTAssertNotNil(w2.grad)
        XCTAssertNil(w1.grad)
        XCTAssertNil(b1.grad)
        XCTAssertEqual(GraphStatistics.liveNodes, before)
    }

    func testDetachedCutsTheGraph() {
        let w = Tensor(shape: [2], storage: [1, 2], requiresGrad: true)
        let d = (w * 2).detached()
        XCTAssertFalse(d.requiresGrad)
        XCTAssertFalse(d.hasGraph)
        XCTAssertEqual(d.storage, [2, 4])
    }

    func testScalarInitAndAccessors() {
        let s = Tensor(3)
        XCTAssertEqual(s.shape, [])
        XCTAssertEqual(s.rank, 0)
        XCTAssertEqual(s.count, 1)
        XCTAssertEqual(s.scalar, 3)
    }
}

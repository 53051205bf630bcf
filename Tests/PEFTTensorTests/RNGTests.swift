import Foundation
@testable import PEFTTensor
import PEFTTestSupport
import XCTest

/// The counter-based RNG: known answers, reproducibility, independence of streams, shuffles.
final class RNGTests: XCTestCase {
    /// Known-answer vectors of Philox4x32-10 from Random123's kat_vectors.
    func testPhiloxKnownAnswers() {
        XCTAssert(Philox.block(key: (0, 0), counter: (0, 0, 0, 0)) == (0x6627_E8D5, 0xE169_C58D, 0xBC57_AC4C, 0x9B00_DBD8))
        XCTAssert(Philox.block(key: (0xFFFF_FFFF, 0xFFFF_FFFF), counter: (0xFFFF_FFFF, 0xFFFF_FFFF, 0xFFFF_FFFF, 0xFFFF_FFFF))
                  == (0x408F_276D, 0x41C8_3B0E, 0xA20B_C7C6, 0x6D54_51FD))
        XCTAssert(Philox.block(key: (0xA409_3822, 0x299F_31D0), counter: (0x243F_6A88, 0x85A3_08D3, 0x1319_8A2E, 0x0370_7344))
                  == (0xD16C_FE09, 0x94FD_CCEB, 0x5001_E420, 0x2412_6EA1))
    }

    func testSameSeedAndStreamGiveTheSameSequence() {
        var a = RNG(seed: 42, stream: 3), b = RNG(seed: 42, stream: 3), c = RNG(seed: 42, stream: 4)
        let sa = (0..<100).map { _ in a.nextUInt64() }
        XCTAssertEqual(sa, (0..<100).map { _ in b.nextUInt64() })
        XCTAssertNotEqual(sa, (0..<100).map { _ in c.nextUInt64() })
        XCTAssertNotEqual(RNG(seed: 43).permutation(50), RNG(seed: 42).permutation(50))
    }

    func testCounterAddressesEveryDraw() throws {
        var rng = RNG(seed: 7, stream: 1)
        for _ in 0..<17 { _ = rng.nextFloat() }
        XCTAssertEqual(rng.counter, 17)
        var jumped = RNG(seed: 7, stream: 1, counter: 17)
        let expected = rng.nextUInt64()
        XCTAssertEqual(jumped.nextUInt64(), expected)
        let restored = try JSONDecoder().decode(RNG.self, from: JSONEncoder().encode(rng))
        XCTAssertEqual(restored, rng)
    }

    func testDistributions() {
        var rng = RNG(seed: 1)
        let floats = (0..<20_000).map { _ in rng.nextFloat() }
        XCTAssertTrue(floats.allSatisfy { $0 >= 0 && $0 < 1 })
        XCTAssertEqual(floats.reduce(0, +) / 20_000, 0.5, accuracy: 0.01)
        let normal = Tensor.randn([20_000], std: 2, rng: &rng).storage
        let mean = normal.reduce(0, +) / 20_000
        let std = (normal.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 20_000).squareRoot()
        XCTAssertEqual(mean, 0, accuracy: 0.05)
        XCTAssertEqual(std, 2, accuracy: 0.05)
        let gaussians = (0..<5000).map { _ in rng.nextGaussian() }
        XCTAssertEqual(gaussians.reduce(0, +) / 5000, 0, accuracy: 0.05)
        let uniform = Tensor.uniform([10_000], low: -3, high: 5, rng: &rng).storage
        XCTAssertTrue(uniform.allSatisfy { $0 >= -3 && $0 < 5 })
        var counts = [0, 0, 0]
        for _ in 0..<30_000 { counts[rng.nextInt(below: 3)] += 1 }
        for c in counts { XCTAssertEqual(Double(c) / 30_000, 1.0 / 3, accuracy: 0.015) }
    }

    func testShuffleIsAPermutationAndPermutationIsPure() {
        var rng = RNG(seed: 5, stream: 9)
        var items = Array(0..<1000)
        rng.shuffle(&items)
        XCTAssertEqual(items.sorted(), Array(0..<1000))
        XCTAssertNotEqual(items, Array(0..<1000))
        let p1 = rng.permutation(300), p2 = rng.permutation(300)
        XCTAssertEqual(p1, p2)
        XCTAssertEqual(Set(p1), Set(0..<300))
        XCTAssertEqual(RNG(seed: 0).permutation(0), [])
    }
}

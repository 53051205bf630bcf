import Foundation
@testable import PEFTData
import PEFTStore
import PEFTTestSupport
import XCTest

/// Float16 storage accuracy and the feature cache's store / lookup contract.
final class FeatureCacheTests: XCTestCase {
    func testHalfConversionMatchesIEEERoundToNearestEven() {
        // Every half pattern survives half → float → half.
        for bits in UInt16.min...UInt16.max {
            let value = Float16Codec.float(halfBits: bits)
            if value.isNaN { continue }
            XCTAssertEqual(Float16Codec.halfBits(value), bits == 0x7C00 || bits == 0xFC00 ? bits : bits, "\(bits)")
        }
        #if !(os(macOS) && arch(x86_64))
        var rng = SplitMix64(seed: 11)
        for _ in 0..<200_000 {
            let x = Float(bitPattern: UInt32(truncatingIfNeeded: rng.next()))
            guard x.isFinite, abs(x) <= Float16Codec.maxFinite else { continue }
            XCTAssertEqual(Float16Codec.halfBits(x), Float16(x).bitPattern, "\(x)")
        }
        #endif
        XCTAssertEqual(Float16Codec.halfBits(1e6), 0x7BFF, "finite overflow saturates")
        XCTAssertEqual(Float16Codec.halfBits(-.infinity), 0xFC00)
        XCTAssertTrue(Float16Codec.float(halfBits: Float16Codec.halfBits(.nan)).isNaN)
    }

    func testFloat16StorageAccuracyOnCLIPLikeActivations() {
        // Hidden states: mostly N(0, 1), a few outlier dimensions around ±100 (as in CLIP's residual stream).
        var rng = SplitMix64(seed: 5)
        let values = (0..<(50 * 768)).map { i in Float(rng.gaussian()) * (i % 768 < 3 ? 100 : 1) }
        let restored = Float16Codec.decode(Float16Codec.encode(values))
        var maxRelative: Float = 0, maxAbsolute: Float = 0
        for (a, b) in zip(values, restored) {
            maxAbsolute = max(maxAbsolute, abs(a - b))
            if abs(a) > 6.2e-5 { maxRelative = max(maxRelative, abs(a - b) / abs(a)) }
        }
        XCTAssertLessThanOrEqual(maxRelative, 1.0 / 2048, "binary16 keeps 11 significant bits")
        let largest = values.map { abs($0) }.max() ?? 0
        XCTAssertLessThanOrEqual(maxAbsolute, largest / 2048, "the worst error is half an ulp of the largest outlier")
        let dot = zip(values, restored).map { $0 * $1 }.reduce(0, +)
        let norms = (values.map { $0 * $0 }.reduce(0, +) * restored.map { $0 * $0 }.reduce(0, +)).squareRoot()
        XCTAssertGreaterThan(dot / norms, 0.999_999, "cosine similarity to the Float32 original")
    }

    func testSaveLoadMissingAndRemove() throws {
        let dir = try Fixtures.temporaryDirectory("features")
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = try Store(path: TestDatabase.locator(dir.appendingPathComponent("f.db").path))
        let cache = FeatureCache(store: store)
        let key = FeatureKey(backboneHash: "b1", tower: .vision, layer: 6, preprocessHash: "p", inputHash: "img1")
        let other = FeatureKey(backboneHash: "b1", tower: .text, layer: 6, preprocessHash: "p",
                               inputHash: FeatureKey.textInputHash(tokenIds: [49406, 320, 49407]))
        let values: [Float] = (0..<(4 * 8)).map { Float($0) * 0.25 - 3 }
        XCTAssertNil(try cache.load(key))
        try cache.save(values, shape: [4, 8], for: key)
        let loaded = try XCTUnwrap(try cache.load(key))
        XCTAssertEqual(loaded.shape, [4, 8])
        XCTAssertEqual(loaded.values, values, "multiples of 0.25 are exact in binary16")
        XCTAssertEqual(loaded.dtype, .float16)
        XCTAssertEqual(try cache.missing([key, other]), [other])

        try FeatureCache(store: store, dtype: .float32).save([1.0e-3, 3.14159], shape: [2], for: other)
        XCTAssertEqual(try cache.load(other)?.values, [1.0e-3, 3.14159], "float32 entries read back exactly")
        XCTAssertEqual(try cache.usage().entries, 2)
        XCTAssertEqual(try cache.usage().bytes, 32 * 2 + 2 * 4)
        XCTAssertEqual(FeatureCache.bytesPerEntry(shape: [50, 768]), 76_800)
        XCTAssertEqual(try cache.removeAll(backboneHash: "b1"), 2)
        XCTAssertEqual(try cache.missing([key]), [key])
    }

    /// `saveIfAbsent` keeps the first value written under a key (a running job's reads never change), `save`
    /// replaces it; a key given twice in one call behaves as two calls in order.
    func testSaveIfAbsentKeepsTheFirstValueAndSaveReplacesIt() throws {
        let dir = try Fixtures.temporaryDirectory("features")
        defer { try? FileManager.default.removeItem(at: dir) }
        let cache = FeatureCache(store: try Store(path: TestDatabase.locator(dir.appendingPathComponent("f.db").path)))
        let key = FeatureKey(backboneHash: "b", tower: .vision, layer: 2, preprocessHash: "p", inputHash: "i")
        let other = FeatureKey(backboneHash: "b", tower: .vision, layer: 3, preprocessHash: "p", inputHash: "i")
        try cache.saveIfAbsent([(key, [2], [1, 2]), (key, [2], [3, 4])])
        XCTAssertEqual(try cache.load(key)?.values, [1, 2], "the first of two entries under one key")
        try cache.saveIfAbsent([(key, [2], [5, 6]), (other, [1], [7])])
        XCTAssertEqual(try cache.load(key)?.values, [1, 2], "a cached entry stays")
        XCTAssertEqual(try cache.load(other)?.values, [7], "a new one is stored")
        try cache.save([(key, [2], [5, 6]), (key, [3], [8, 9, 10])])
        XCTAssertEqual(try cache.load(key).map { [$0.shape, $0.values.map(Int.init)] }, [[3], [8, 9, 10]],
                       "save replaces, the last of two entries under one key winning")
        XCTAssertEqual(try cache.usage().entries, 2)
    }
}

import Foundation
@testable import PEFTData
import PEFTStore
import XCTest

/// The per-image pixel limit of ingest (`--max-pixels`): a 13 000 × 13 000 PNG of 490 KB costs ≈ 1.4 GB per
/// decoding thread, so ingest refuses such images by their header, with a reason, before allocating anything.
final class IngestLimitsTests: XCTestCase {
    /// Images above `maxPixels` are quarantined with a reason naming the limit and the option, before decoding.
    func testImagesAboveThePixelLimitAreQuarantined() throws {
        let sandbox = try IngestSandbox()
        try sandbox.jpeg("small.jpg", seed: 1)
        try sandbox.write("big.png", try PNGCodec.encode(TestImages.gradient(width: 64, height: 64, seed: 3)))
        let manifest = try sandbox.write("m.jsonl", text: """
            {"id": "1", "image": "small.jpg", "text": "fits"}
            {"id": "2", "image": "big.png", "text": "too many pixels"}
            """)
        let summary = try sandbox.ingestor().ingest(dataset: "d", manifest: manifest,
                                                    options: IngestOptions(threads: 2, maxPixels: 1000))
        XCTAssertEqual([summary.stored, summary.quarantined], [1, 1])
        let reason = try sandbox.quarantine()[0].reason
        XCTAssertTrue(reason.contains("64x64 = 4096 pixels, more than the limit of 1000"), reason)
        XCTAssertTrue(reason.contains("--max-pixels"), reason)

        XCTAssertEqual(IngestOptions.defaultMaxPixels(threads: 2, physicalMemory: 128 << 30), 40_000_000)
        XCTAssertEqual(IngestOptions.defaultMaxPixels(threads: 16, physicalMemory: 4 << 30), 8_388_608)
        XCTAssertEqual(IngestOptions.defaultMaxPixels(threads: 64, physicalMemory: 1 << 30), 1_000_000)
        XCTAssertLessThan(IngestOptions(threads: 2).maxPixels, ImageDecodeOptions.pillowMaxPixels)
    }
}

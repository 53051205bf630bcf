import Foundation
@testable import PEFTData
import XCTest

/// Files from other tools: Windows line endings, Excel's byte-order mark, images of extreme aspect ratio.
final class ManifestEdgeCaseTests: XCTestCase {
    func testCRLFJSONLinesAreSplitIntoRows() throws {
        let sandbox = try IngestSandbox()
        try sandbox.jpeg("a.jpg", seed: 1)
        let manifest = try sandbox.write("m.jsonl", text: "{\"id\": \"1\", \"image\": \"a.jpg\", \"text\": \"one\"}\r\n"
                                            + "{\"id\": \"2\", \"image\": \"a.jpg\", \"text\": \"two\"}\r\n")
        let summary = try sandbox.ingestor().ingest(dataset: "d", manifest: manifest)
        XCTAssertEqual([summary.rows, summary.stored, summary.quarantined], [2, 2, 0])
    }

    /// In JSON a lone carriage return is white space, so it does not end a JSONL line (it does in CSV).
    func testLoneCarriageReturnInsideAJSONLineIsWhiteSpace() throws {
        let manifest = try Manifest.parse(Data("{\"id\": \"1\",\r \"text\": \"a\"}\n".utf8), format: .jsonl, path: "m.jsonl")
        XCTAssertEqual(manifest.rows.map(\.parseError), [nil])
        XCTAssertEqual(manifest.rows.first?.fields["text"], .string("a"))
        let csv = try Manifest.parse(Data("id,text\r1,a\r2,b\r".utf8), format: .csv, path: "m.csv")
        XCTAssertEqual(csv.rows.map(\.line), [2, 3])
    }

    func testCSVWithByteOrderMarkAndCRLFKeepsItsFirstColumn() throws {
        let sandbox = try IngestSandbox()
        try sandbox.jpeg("a.jpg", seed: 1)
        let manifest = try sandbox.write("m.csv", text: "\u{FEFF}id,image,text\r\nx1,a.jpg,hello\r\nx2,a.jpg,world\r\n")
        let summary = try sandbox.ingestor().ingest(dataset: "d", manifest: manifest)
        XCTAssertEqual([summary.stored, summary.quarantined], [2, 0])
        XCTAssertEqual(try sandbox.count("SELECT COUNT(*) FROM examples WHERE source_key IN ('x1', 'x2')"), 2)
    }

    func testExtremeAspectRatioIsRejectedNotAllocated() throws {
        let preprocessor = CLIPPreprocessor(config: CLIPPreprocessConfig(side: 224))
        let strip = RGBImage(width: 1, height: 100_000, pixels: [UInt8](repeating: 128, count: 300_000))
        XCTAssertThrowsError(try preprocessor.resizedAndCropped(strip)) { error in
            guard case .resizeTooLarge(1, 100_000, 224, 22_400_000, _)? = error as? ImageDecodeError else {
                return XCTFail("\(error)")
            }
            XCTAssertTrue("\(error)".contains("aspect ratio"), "\(error)")
        }
    }
}

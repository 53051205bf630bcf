import Foundation
import XCTest
@testable import PEFTStore

/// The `predictions.data` blob: every kind round-trips, and a damaged blob is an error naming the row.
final class StoredPredictionsTests: XCTestCase {
    func testEveryKindRoundTrips() throws {
        let cases = [
            StoredPredictions(exampleIDs: [4, 9, 12], values: .classes(predicted: [1, 0, 2], targets: [1, 1, 2], classes: 3)),
            StoredPredictions(exampleIDs: [], values: .scores(predicted: [0.5, -2.25], targets: [1, -3])),
            StoredPredictions(exampleIDs: [1, 2], values: .embeddings(images: [1, 2, 3, 4, 5, 6], texts: [6, 5, 4, 3, 2, 1], width: 3, batchSize: 32)),
        ]
        for original in cases {
            let data = original.encoded()
            XCTAssertEqual(try StoredPredictions(decoding: data, origin: "test"), original)
            XCTAssertEqual(Array(data.prefix(4)), Array("PLP1".utf8))
        }
        XCTAssertEqual(cases[0].encoded().count, 20 + 3 * 8 + 3 * 8, "header, ids, predicted and target Int32s")
        XCTAssertEqual(cases[2].count, 2)
    }

    func testDamagedBlobsAreErrorsNamingTheRow() {
        let good = StoredPredictions(exampleIDs: [1], values: .classes(predicted: [1], targets: [0], classes: 2)).encoded()
        for (data, detail) in [(good.dropLast(), "35 bytes, expected 36 for 1 examples"), (Data("nope".utf8), "not a PLP1 predictions blob")] {
            XCTAssertThrowsError(try StoredPredictions(decoding: Data(data), origin: "run 7, test, step 40")) { error in
                XCTAssertTrue("\(error)".contains("'predictions': run 7, test, step 40: \(detail)"), "\(error)")
            }
        }
        var unknown = good
        unknown[4] = 9
        XCTAssertThrowsError(try StoredPredictions(decoding: unknown, origin: "r")) { XCTAssertTrue("\($0)".contains("unknown kind 9")) }
    }
}

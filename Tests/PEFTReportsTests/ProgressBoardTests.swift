import PEFTReports
import XCTest

/// The progress texts (drawing itself only happens on a terminal).
final class ProgressBoardTests: XCTestCase {
    func testBarShowsCountsRateAndETA() {
        XCTAssertEqual(ProgressBoard.bar(label: "sarcasm", done: 100, total: 400, elapsed: 2, detail: "3 quarantined"),
                       "sarcasm [#####---------------]  100/400  50 rows/s  ETA 0:06  3 quarantined")
        XCTAssertEqual(ProgressBoard.bar(label: "x", done: 7, total: 7, elapsed: 0.5, unit: "images"),
                       "x [####################]  7/7  14 images/s  ETA 0:00")
    }

    func testRateAndETAAndDurations() {
        XCTAssertEqual(ProgressBoard.rateAndETA(rate: 2, remaining: 130), "2.0/s, ETA 1m05s")
        XCTAssertEqual(ProgressBoard.rateAndETA(rate: 0, remaining: 10), "-")
        XCTAssertEqual(ProgressBoard.duration(seconds: 3725), "1h02m")
        XCTAssertEqual(ProgressBoard.duration(seconds: 12.4), "12s")
    }
}

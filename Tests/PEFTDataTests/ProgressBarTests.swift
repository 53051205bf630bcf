@testable import PEFTData
import XCTest

/// The progress line's text (drawing itself only happens on a terminal).
final class ProgressBarTests: XCTestCase {
    func testFormatShowsBarCountsRateAndETA() {
        let line = ProgressBar.format(label: "sarcasm", done: 100, total: 400, elapsed: 2, detail: "3 quarantined")
        XCTAssertEqual(line, "sarcasm [#####---------------]  100/400  50 rows/s  ETA 0:06  3 quarantined")
        XCTAssertEqual(ProgressBar.format(label: "x", done: 7, total: 7, elapsed: 0.5, unit: "images"),
                       "x [####################]  7/7  14 images/s  ETA 0:00")
    }

    func testDisabledBarWritesNothing() {
        let bar = ProgressBar(label: "quiet", total: 10, enabled: false)
        bar.update(done: 5)
        bar.finish()  // nothing to assert beyond not writing to a non-terminal stderr; must not crash
    }
}

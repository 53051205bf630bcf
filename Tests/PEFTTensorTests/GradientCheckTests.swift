import PEFTTensor
import PEFTTestSupport
import XCTest

/// The finite-difference checker must catch a wrong gradient, or its passes mean nothing.
final class GradientCheckTests: XCTestCase {
    func testCheckerFlagsAWrongGradient() {
        let x = randomTensor([3, 2], seed: 1)
        // d(x·stop(x))/dx is x by autograd but 2x numerically.
        let mismatches = gradientMismatches([("x", x)]) { x * x.detached() }
        XCTAssertEqual(mismatches.count, 1)
        XCTAssertTrue(mismatches.first?.contains("'x' [3, 2]") ?? false, mismatches.first ?? "")
    }

    func testCheckerAcceptsACorrectGradient() {
        let x = randomTensor([3, 2], seed: 1)
        XCTAssertEqual(gradientMismatches([("x", x)]) { x * x }, [])
    }
}

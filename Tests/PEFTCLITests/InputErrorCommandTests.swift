import Foundation
import XCTest

/// Hostile or mistaken inputs get one actionable line and exit non-zero: never a hang, a Foundation error code,
/// or the contents of a file that is not a spec.
final class InputErrorCommandTests: XCTestCase {
    func testDirectoriesGivenAsImagesOrOutputsSayWhatIsWrong() throws {
        let dir = TemporaryDirectory()
        let image = try CLIRunner.run(["preprocess", dir.url.path, "-o", dir.path("x.npy")])
        XCTAssertNotEqual(image.status, 0)
        XCTAssertTrue(image.stderr.contains("it is a directory, expected a file"), image.stderr)
        XCTAssertFalse(image.stderr.contains("NSCocoaErrorDomain"), image.stderr)

        let png = repositoryRoot.appendingPathComponent("Tests/PEFTDataTests/Fixtures/images/rgba.png").path
        let output = try CLIRunner.run(["preprocess", png, "-o", dir.url.path])
        XCTAssertNotEqual(output.status, 0)
        XCTAssertTrue(output.stderr.contains("it is a directory, expected a file"), output.stderr)
        XCTAssertFalse(output.stderr.contains("NSCocoaErrorDomain"), output.stderr)
    }
}

/// The repository root, from this file's path (Tests/PEFTCLITests/…).
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

import Foundation
import XCTest

/// `peftlab queue --set`: the built binary reports a bad override at the override, with a non-zero exit status,
/// and queues nothing.
final class QueueOverrideCommandTests: XCTestCase {
    func testBadOverridesAreNamed() throws {
        let dir = TemporaryDirectory()
        let spec = repositoryRoot.appendingPathComponent("experiments/ads_clip_sarcasm.yaml").path
        let bad = try CLIRunner.run(["queue", "--db", dir.path("x.db"), spec, "--set", "train.epochs=0", "--set", "method.sharing=sideways"])
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.stderr.contains("\(spec) --set train.epochs=0: key 'train.epochs': must be ≥ 1 (got 0)"), bad.stderr)
        XCTAssertTrue(bad.stderr.contains("\(spec) --set method.sharing=sideways: key 'method.sharing': expected one of none,"), bad.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.path("x.db")), "nothing is created when validation fails")
        let malformed = try CLIRunner.run(["queue", "--db", dir.path("x.db"), spec, "--set", "epochs"])
        XCTAssertNotEqual(malformed.status, 0)
        XCTAssertTrue(malformed.stderr.contains("--set epochs: expected KEY=VALUE, e.g. --set train.epochs=1"), malformed.stderr)
    }
}

import Foundation
import XCTest

/// `peftlab quickstart` end to end (on the micro pretrained backbone): datasets made and ingested, backbone pretrained, features cached, both grids
/// trained, comparison tables printed; a second run adds nothing.
final class QuickstartTests: XCTestCase {
    func testQuickstartRunsEndToEndAndIsIdempotent() throws {
        let dir = TemporaryDirectory()
        let first = try CLIRunner.run(["quickstart", "--dir", dir.path("qs"), "--backbone", "micro"])
        XCTAssertEqual(first.status, 0, first.stderr)
        XCTAssertTrue(first.stdout.contains("worker: 21 succeeded, 0 failed"), first.stdout)
        for row in ["\"head.fusion\":\"image\"", "\"head.fusion\":\"text\"", "\"head.fusion\":\"concat\"",
                    "\"head.fusion\":\"product\"", "\"train.lr\":0.01"] {
            XCTAssertNotNil(first.stdout.range(of: #"linear-probe \{[^}]*"# + NSRegularExpression.escapedPattern(for: row)
                                               + #"[^}]*\} +3  \d\.\d{3} ± \d\.\d{3}"#, options: .regularExpression),
                            "no comparison row for \(row) with 3 seeds:\n\(first.stdout)")
        }
        for file in ["backbones/clip-micro/config.json", "backbones/clip-micro/model.safetensors", "backbones/clip-micro/vocab.json",
                     "backbones/clip-micro/merges.txt", "backbones/clip-micro/pretraining.json",
                     "experiments/sarcasm-clip-probe.yaml", "data/sarcasm/manifest.jsonl"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: dir.path("qs/\(file)")), file)
        }
        let db = dir.path("qs/peftlab.db")
        let counts = try CLIRunner.run(["sql", "--db", db, "--csv", """
            SELECT (SELECT COUNT(*) FROM datasets), (SELECT COUNT(*) FROM images) > 500,
                   (SELECT COUNT(*) FROM feature_cache WHERE layer = -1) > 0, (SELECT COUNT(*) FROM runs WHERE state = 'succeeded')
            """])
        XCTAssertEqual(counts.stdout.split(separator: "\n").last, "4,1,1,22", "3 task datasets + the corpus; 21 runs + the pretraining: \(counts.stdout)")

        let second = try CLIRunner.run(["quickstart", "--dir", dir.path("qs"), "--backbone", "micro"])
        XCTAssertEqual(second.status, 0, second.stderr)
        XCTAssertTrue(second.stdout.contains("sarcasm-clip-probe: 0 new, 12 already queued"), second.stdout)
        XCTAssertTrue(second.stdout.contains("already holds recipe 'micro'"), second.stdout)
        XCTAssertTrue(second.stdout.contains("worker: 0 succeeded, 0 failed"), second.stdout)
    }
}

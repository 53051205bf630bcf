import Foundation
import XCTest

/// `peftlab quickstart` end to end (on the micro pretrained backbone): datasets made and ingested, backbone
/// pretrained, features cached, the quickstart grid trained, the comparison table against the linear probe printed
/// and the HTML report written; a second run adds nothing.
final class QuickstartTests: XCTestCase {
    func testQuickstartRunsEndToEndAndIsIdempotent() throws {
        let dir = TemporaryDirectory()
        let first = try CLIRunner.run(["quickstart", "--dir", dir.path("qs"), "--backbone", "micro"])
        XCTAssertEqual(first.status, 0, first.stderr)
        XCTAssertTrue(first.stdout.contains("worker: 15 succeeded, 0 failed"), first.stdout)
        XCTAssertTrue(first.stdout.contains("Baseline: linear-probe"), first.stdout)
        for method in ["linear-probe", "lora", "houlsby", "ads-clip", "coop"] {
            XCTAssertNotNil(first.stdout.range(of: "(?m)^" + method + #"\b[^\n]*? 3 +[\d,]+ \([\d.]+%\) +\d\.\d{3} ± \d\.\d{3}"#,
                                               options: .regularExpression),
                            "no comparison row for \(method) with 3 seeds:\n\(first.stdout)")
        }
        for file in ["backbones/clip-micro/config.json", "backbones/clip-micro/model.safetensors", "backbones/clip-micro/vocab.json",
                     "backbones/clip-micro/merges.txt", "backbones/clip-micro/pretraining.json",
                     "experiments/quickstart.yaml", "data/sarcasm/manifest.jsonl", "report.html"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: dir.path("qs/\(file)")), file)
        }
        let html = try String(contentsOfFile: dir.path("qs/report.html"), encoding: .utf8)
        XCTAssertTrue(html.contains("<svg") && html.contains("ads-clip"), "the HTML report has no plots or rows")
        let db = dir.path("qs/peftlab.db")
        let counts = try CLIRunner.run(["sql", "--db", db, "--csv", """
            SELECT (SELECT COUNT(*) FROM datasets), (SELECT COUNT(*) FROM images) > 500,
                   (SELECT COUNT(*) FROM feature_cache WHERE layer = -1) > 0, (SELECT COUNT(*) FROM runs WHERE state = 'succeeded')
            """])
        XCTAssertEqual(counts.stdout.split(separator: "\n").last, "4,1,1,16",
                       "3 task datasets + the corpus; 15 runs + the pretraining: \(counts.stdout)")

        let second = try CLIRunner.run(["quickstart", "--dir", dir.path("qs"), "--backbone", "micro"])
        XCTAssertEqual(second.status, 0, second.stderr)
        XCTAssertTrue(second.stdout.contains("quickstart: 0 new, 15 already queued"), second.stdout)
        XCTAssertTrue(second.stdout.contains("already holds recipe 'micro'"), second.stdout)
        XCTAssertTrue(second.stdout.contains("worker: 0 succeeded, 0 failed"), second.stdout)
    }
}

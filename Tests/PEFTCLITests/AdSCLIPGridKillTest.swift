import Foundation
import XCTest

/// experiments/ads_clip_sarcasm.yaml, pointed at a tiny CLIP and one seed with `peftlab queue --set`, runs to
/// completion with `peftlab work`, and again while a worker is killed with SIGKILL mid-grid and restarted: every run
/// succeeds once, with parameters and metrics bit-equal to the uninterrupted grid (KillTest's contract, on this grid).
final class AdSCLIPGridKillTest: XCTestCase {
    private func prepare(_ dir: TemporaryDirectory, _ name: String) throws -> String {
        let (path, _) = try KillHarness.store(dir, name, dataset: "sarcasm", examples: 40)
        let overrides = ["backbone=\(dir.path("backbone"))", "seeds=[1]", "train.epochs=2", "train.batch_size=8",
                         "train.checkpoint_every=2", "train.max_same_step=1000", "train.cache=float32"]
        let queued = try CLIRunner.run(["queue", "--db", path, repositoryRoot.appendingPathComponent("experiments/ads_clip_sarcasm.yaml").path]
                                       + overrides.flatMap { ["--set", $0] })
        XCTAssertEqual(queued.stdout, "ads-clip-sarcasm: 10 new, 0 already queued\n", queued.stderr)
        return path
    }

    func testTheGridSurvivesKillsBitForBit() throws {
        let dir = TemporaryDirectory()
        let reference = try prepare(dir, "reference.db")
        try KillHarness.startWorker(db: reference).waitUntilExit()
        let expected = try KillHarness.outcome(reference)
        XCTAssertEqual(expected.count, 10)
        XCTAssertEqual(Set(expected.values.map { $0[0] }), ["succeeded"], "the grid runs to completion")

        let killed = try prepare(dir, "killed.db")
        let extra = ["--step-delay-ms", "30", "--lease-seconds", "1"]
        let kills = try KillHarness.killRepeatedly(db: killed, workers: 1, extra: extra, kills: 6, pause: 0.3...0.7, timeout: 120)
        XCTAssertGreaterThanOrEqual(kills, 3, "the grid finished before 3 kills: slow the steps down")
        let got = try KillHarness.outcome(killed)
        XCTAssertEqual(got.count, 10)
        for (hash, rows) in expected { XCTAssertEqual(got[hash], rows, "run \(hash.prefix(12)) differs from the uninterrupted grid") }
        let attempts = try KillHarness.attempts(killed)
        XCTAssertGreaterThan(attempts, 10, "kills interrupted runs, which were claimed again")
    }
}

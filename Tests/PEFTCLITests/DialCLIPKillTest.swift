import Foundation
import XCTest

/// The DialCLIP grid (the method, its shared-expert and no-context-prompt ablations) on the built-in dialog data
/// through `peftlab queue` + `peftlab work`, and again with workers `kill -9`'d mid-grid and restarted (the
/// `KillTest` pattern): every run succeeds once, with parameters and metrics bit for bit those of the
/// uninterrupted grid.
final class DialCLIPKillTest: XCTestCase {
    private func spec(_ dir: TemporaryDirectory) -> String {
        """
        name: dialclip-kill
        dataset: dialog
        backbone: \(dir.path("backbone"))
        task: retrieval
        method: {name: dialclip}
        train: {epochs: 4, batch_size: 8, lr: 0.01, checkpoint_every: 2, max_same_step: 1000}
        include:
          - {method.experts: shared}
          - {method.context_prompts: false}
        seeds: [1]
        """
    }

    private func prepare(_ dir: TemporaryDirectory, _ name: String) throws -> String {
        let (path, _) = try KillHarness.store(dir, name, dataset: "dialog", examples: 12)
        try spec(dir).write(toFile: dir.path("dialclip-kill.yaml"), atomically: true, encoding: .utf8)
        let queued = try CLIRunner.run(["queue", "--db", path, dir.path("dialclip-kill.yaml")])
        XCTAssertEqual(queued.stdout, "dialclip-kill: 3 new, 0 already queued\n", queued.stderr)
        return path
    }

    func testDialCLIPGridSurvivesKilledWorkersBitForBit() throws {
        let dir = TemporaryDirectory()
        let reference = try prepare(dir, "reference.db")
        try KillHarness.startWorker(db: reference).waitUntilExit()

        let killed = try prepare(dir, "killed.db")
        let extra = ["--step-delay-ms", "60", "--lease-seconds", "1"]
        let kills = try KillHarness.killRepeatedly(db: killed, workers: 2, extra: extra, kills: 8, pause: 0.2...0.5, timeout: 120)
        XCTAssertGreaterThanOrEqual(kills, 5, "the grid finished before 5 kills: slow the steps down")

        let got = try KillHarness.outcome(killed), expected = try KillHarness.outcome(reference)
        XCTAssertEqual(got.count, 3)
        XCTAssertEqual(Set(expected.values.map { $0[0] }), ["succeeded"])
        XCTAssertEqual(Set(got.values.map { $0[0] }), ["succeeded"])
        for (hash, rows) in expected {
            XCTAssertEqual(got[hash], rows, "run \(hash.prefix(12)) differs from the uninterrupted reference")
            XCTAssertTrue(rows.contains { $0.hasPrefix("test distractor_r1 ") }, "test metrics include the distractor recall")
        }
        let attempts = try KillHarness.attempts(killed)
        XCTAssertGreaterThan(attempts, 3, "kills interrupted runs, which were claimed again")
    }
}

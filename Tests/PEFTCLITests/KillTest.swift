import Foundation
import PEFTStore
import PEFTOrchestrator
import XCTest

/// The orchestrator's exactly-once and bitwise-resume contract under `kill -9`:
/// 2 worker processes × 2 threads on a 12-run linear-probe grid and a 4-run LoRA grid (a tiny CLIP on images and
/// captions, its frozen lower layer read from the feature cache), a worker killed ≥ 20 times at random moments and
/// restarted; every run must succeed exactly once with parameters and metrics equal to an uninterrupted run.
final class KillTest: XCTestCase {
    private let spec = """
        name: kill-grid
        dataset: synth
        task: classification
        method: {name: linear-probe, feature: features}
        train: {epochs: 4, batch_size: 16, lr: 0.1, checkpoint_every: 5, eval_every: 10, max_same_step: 1000}
        grid:
          train.lr: [0.05, 0.1, 0.2]
          train.batch_size: [16, 32]
        seeds: [1, 2]
        """

    private func loraSpec(_ dir: TemporaryDirectory) -> String {
        """
        name: kill-lora
        dataset: sarcasm
        backbone: \(dir.path("backbone"))
        task: classification
        method: {name: lora, layers: '2', targets: [q, v]}
        train: {epochs: 3, batch_size: 8, lr: 0.01, checkpoint_every: 4, cache: float32, max_same_step: 1000}
        grid:
          method.r: [2, 4]
        seeds: [1, 2]
        """
    }

    private func prepare(_ dir: TemporaryDirectory, _ name: String) throws -> String {
        let (path, store) = try KillHarness.store(dir, name, dataset: "sarcasm", examples: 40)
        try SyntheticFeatureDataset.make(store: store, name: "synth", train: 320, val: 64, test: 64)
        try spec.write(toFile: dir.path("kill-grid.yaml"), atomically: true, encoding: .utf8)
        try loraSpec(dir).write(toFile: dir.path("kill-lora.yaml"), atomically: true, encoding: .utf8)
        let queued = try CLIRunner.run(["queue", "--db", path, dir.path("kill-grid.yaml"), dir.path("kill-lora.yaml")])
        XCTAssertEqual(queued.stdout, "kill-grid: 12 new, 0 already queued\nkill-lora: 4 new, 0 already queued\n", queued.stderr)
        return path
    }

    func testKilledWorkersLoseNothingAndChangeNothing() throws {
        let dir = TemporaryDirectory()
        let reference = try prepare(dir, "reference.db")
        let referenceWorkers = try (0..<2).map { _ in try KillHarness.startWorker(db: reference) }
        referenceWorkers.forEach { $0.waitUntilExit() }

        let killed = try prepare(dir, "killed.db")
        let extra = ["--step-delay-ms", "40", "--lease-seconds", "1"]
        let kills = try KillHarness.killRepeatedly(db: killed, workers: 2, extra: extra, kills: 20, pause: 0.1...0.5, timeout: 180)
        XCTAssertGreaterThanOrEqual(kills, 20, "the grid finished before 20 kills: slow the steps down")

        let got = try KillHarness.outcome(killed), expected = try KillHarness.outcome(reference)
        XCTAssertEqual(got.count, 16)
        XCTAssertEqual(Set(got.values.map { $0[0] }), ["succeeded"])
        for (hash, rows) in expected {
            XCTAssertEqual(got[hash], rows, "run \(hash.prefix(12)) differs from the uninterrupted reference")
        }
        try KillHarness.read(killed) { tx in
            let attempts = try tx.value(Int.self, "SELECT COUNT(*) FROM attempts") ?? 0
            XCTAssertGreaterThan(attempts, 16, "kills interrupted runs, which were claimed again")
            XCTAssertEqual(try tx.value(Int.self, "SELECT COUNT(*) FROM attempts WHERE outcome = 'succeeded'"), 16)
            let gaps = try tx.value(Int.self, """
                SELECT COUNT(*) FROM runs r WHERE (SELECT COUNT(*) FROM metrics m WHERE m.run_id = r.id AND m.split = 'train'
                    AND m.name = 'loss') != r.total_steps
                """)
            XCTAssertEqual(gaps, 0, "every step has exactly one train loss")
        }
    }
}

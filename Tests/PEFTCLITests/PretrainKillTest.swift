import Foundation
import PEFTStore
import XCTest

/// `peftlab backbone pretrain` killed with SIGKILL in the middle of its training run, then run again, writes the
/// same backbone, byte for byte, and the same metrics, bit for bit, as a pretraining never interrupted. The databases
/// are plain files: the backbone is written beside its database.
final class PretrainKillTest: XCTestCase {
    private func pretrain(_ db: String, _ extra: [String] = []) throws -> Process {
        let process = Process()
        process.executableURL = CLIRunner.executable
        process.arguments = ["backbone", "pretrain", "--config", "micro", "--db", db, "--threads", "1", "--lease-seconds", "1",
                             "--weather-examples", "100"] + extra
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    /// The pretraining run's metric rows (exact bits) and the step of its latest checkpoint.
    private func run(_ db: String) throws -> (metrics: [String], checkpointStep: Int?, attempts: Int) {
        try KillHarness.read(db) { tx in
            let metrics = try tx.rows("SELECT * FROM metrics ORDER BY split, name, step, run_id").map(MetricRow.init)
                .map { "\($0.split) \($0.name) \($0.step) \($0.value.bitPattern)" }
            let step = try tx.value(Int.self, "SELECT MAX(step) FROM checkpoints")
            return (metrics, step, try tx.value(Int.self, "SELECT COUNT(*) FROM attempts") ?? 0)
        }
    }

    func testKilledPretrainingResumesToTheSameBackbone() throws {
        let dir = TemporaryDirectory()
        let reference = dir.path("reference/peftlab.db"), killed = dir.path("killed/peftlab.db")
        for path in [reference, killed] {
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        }
        let uninterrupted = try pretrain(reference)
        uninterrupted.waitUntilExit()
        XCTAssertEqual(uninterrupted.terminationStatus, 0)

        // Kill it twice once its run has checkpointed (16 steps, a checkpoint every 2), each time further on.
        var kills = 0
        for target in [4, 10] {
            let victim = try pretrain(killed, ["--step-delay-ms", "100"])
            let deadline = Date().addingTimeInterval(120)
            while Date() < deadline, victim.isRunning {
                if FileManager.default.fileExists(atPath: killed), let step = try? run(killed).checkpointStep, step >= target { break }
                Thread.sleep(forTimeInterval: 0.05)
            }
            XCTAssertTrue(victim.isRunning, "finished before it could be killed at step \(target)")
            kill(victim.processIdentifier, SIGKILL)
            victim.waitUntilExit()
            kills += 1
        }
        let resumed = try pretrain(killed)
        resumed.waitUntilExit()
        XCTAssertEqual(resumed.terminationStatus, 0)
        XCTAssertEqual(kills, 2)

        let got = try run(killed), expected = try run(reference)
        XCTAssertGreaterThanOrEqual(got.attempts, 3, "the run was claimed again after each kill")
        XCTAssertEqual(got.metrics, expected.metrics)
        for file in ["model.safetensors", "config.json", "pretraining.json"] {
            XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: dir.path("killed/backbones/clip-micro/\(file)"))),
                           try Data(contentsOf: URL(fileURLWithPath: dir.path("reference/backbones/clip-micro/\(file)"))), file)
        }
    }
}

import Foundation
import PEFTOrchestrator
import PEFTStore
import PEFTTestSupport
import XCTest

/// `peftlab work` under SIGTERM: the current step finishes, the run checkpoints, its lease is released and the
/// process exits 0; a later worker resumes it from that checkpoint.
final class WorkerSignalTests: XCTestCase {
    func testSIGTERMCheckpointsReleasesAndExitsCleanly() throws {
        let dir = TemporaryDirectory()
        let db = TestDatabase.locator(dir.path("signal.db"))
        let store = try Store(path: db)
        try SyntheticFeatureDataset.make(store: store, name: "synth")
        try """
            name: signal
            dataset: synth
            task: classification
            method: {name: linear-probe, feature: features}
            train: {epochs: 10, batch_size: 8, checkpoint_every: 1000}
            """.write(toFile: dir.path("signal.yaml"), atomically: true, encoding: .utf8)
        XCTAssertEqual(try CLIRunner.run(["queue", "--db", db, dir.path("signal.yaml")]).status, 0)

        let worker = Process()
        worker.executableURL = CLIRunner.executable
        worker.arguments = ["work", "--db", db, "--step-delay-ms", "20"]
        let out = Pipe()
        worker.standardOutput = out
        worker.standardError = FileHandle.nullDevice
        try worker.run()
        let deadline = Date().addingTimeInterval(30)
        while try store.read({ try $0.value(String.self, "SELECT state FROM runs") }) != "running", Date() < deadline {
            Thread.sleep(forTimeInterval: 0.05)
        }
        Thread.sleep(forTimeInterval: 0.5)
        kill(worker.processIdentifier, SIGTERM)
        let output = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        worker.waitUntilExit()
        XCTAssertEqual(worker.terminationStatus, 0, output)
        XCTAssertTrue(output.contains("1 released"), output)

        let (state, checkpointStep, leases, outcome) = try store.read { tx in
            (try tx.value(String.self, "SELECT state FROM runs"),
             try tx.value(Int.self, "SELECT MAX(step) FROM checkpoints") ?? 0,
             try tx.value(Int.self, "SELECT COUNT(*) FROM leases"),
             try tx.value(String.self, "SELECT outcome FROM attempts"))
        }
        XCTAssertEqual(state, "queued")
        XCTAssertGreaterThan(checkpointStep, 0, "the stop wrote a checkpoint although checkpoint_every is 1000")
        XCTAssertEqual(leases, 0)
        XCTAssertEqual(outcome, "released")

        let resumed = try CLIRunner.run(["work", "--db", db])
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        let firstResumedStep = try store.read { tx in
            try tx.value(Int.self, "SELECT COUNT(*) FROM metrics WHERE split = 'train' AND name = 'loss'")
        }
        XCTAssertEqual(firstResumedStep, 300, "240 examples / 8 × 10 epochs, each step recorded once")
    }
}

import Foundation
import GRDB
import PEFTCLIP
import PEFTData
import PEFTStore
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
        let path = dir.path(name)
        let store = try Store(path: path)
        let made = try BuiltinDatasets.make("dialog", into: URL(fileURLWithPath: dir.path("data-\(name)")), seed: 5, examples: 12)
        var options = IngestOptions()
        options.mapping = made.mapping
        _ = try Ingestor(store: store, tokenizer: try CLIPTokenizer.bundled()).ingest(dataset: "dialog", manifest: made.manifest,
                                                                                   options: options)
        if !FileManager.default.fileExists(atPath: dir.path("backbone/config.json")) {
            try CLIPBackboneFactory.makeRandom(config: .tiny(width: 32, layers: 2, heads: 4, imageSize: 32, patchSize: 8,
                                                             projectionDim: 16), seed: 0)
                .save(to: URL(fileURLWithPath: dir.path("backbone")))
        }
        try spec(dir).write(toFile: dir.path("dialclip-kill.yaml"), atomically: true, encoding: .utf8)
        let queued = try CLIRunner.run(["queue", "--db", path, dir.path("dialclip-kill.yaml")])
        XCTAssertEqual(queued.stdout, "dialclip-kill: 3 new, 0 already queued\n", queued.stderr)
        return path
    }

    private func startWorker(db: String, extra: [String]) throws -> Process {
        let process = Process()
        process.executableURL = CLIRunner.executable
        process.arguments = ["work", "--db", db, "--threads", "2", "--cores", "2"] + extra
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    /// Per run (by config hash): state, final parameters, and every metric row with its exact bits.
    private func outcome(_ path: String) throws -> [String: [String]] {
        try DatabaseQueue(path: path).read { db in
            var out: [String: [String]] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT id, config_hash, state FROM runs") {
                let id: Int64 = row["id"]
                let params = try Data.fetchOne(db, sql: "SELECT parameters FROM checkpoints WHERE run_id = ? ORDER BY step DESC LIMIT 1", arguments: [id])
                let metrics = try Row.fetchAll(db, sql: "SELECT split, name, step, value FROM metrics WHERE run_id = ? ORDER BY split, name, step", arguments: [id])
                    .map { "\($0["split"] as String) \($0["name"] as String) \($0["step"] as Int) \(($0["value"] as Double).bitPattern)" }
                out[row["config_hash"]] = [row["state"], params?.base64EncodedString() ?? "none"] + metrics
            }
            return out
        }
    }

    func testDialCLIPGridSurvivesKilledWorkersBitForBit() throws {
        let dir = TemporaryDirectory()
        let reference = try prepare(dir, "reference.db")
        try startWorker(db: reference, extra: []).waitUntilExit()

        let killed = try prepare(dir, "killed.db")
        let extra = ["--step-delay-ms", "60", "--lease-seconds", "1"]
        var workers = try (0..<2).map { _ in try startWorker(db: killed, extra: extra) }
        var kills = 0
        var generator = SystemRandomNumberGenerator()
        while kills < 8 {
            Thread.sleep(forTimeInterval: Double.random(in: 0.2...0.5, using: &generator))
            let victim = Int.random(in: 0..<2, using: &generator)
            guard workers[victim].isRunning else { break }
            kill(workers[victim].processIdentifier, SIGKILL)
            workers[victim].waitUntilExit()
            kills += 1
            workers[victim] = try startWorker(db: killed, extra: extra)
        }
        let deadline = Date().addingTimeInterval(120)
        for worker in workers {
            while worker.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.1) }
            XCTAssertFalse(worker.isRunning, "worker did not finish")
            if worker.isRunning { worker.terminate() }
        }
        XCTAssertGreaterThanOrEqual(kills, 5, "the grid finished before 5 kills: slow the steps down")

        let got = try outcome(killed), expected = try outcome(reference)
        XCTAssertEqual(got.count, 3)
        XCTAssertEqual(Set(expected.values.map { $0[0] }), ["succeeded"])
        XCTAssertEqual(Set(got.values.map { $0[0] }), ["succeeded"])
        for (hash, rows) in expected {
            XCTAssertEqual(got[hash], rows, "run \(hash.prefix(12)) differs from the uninterrupted reference")
            XCTAssertTrue(rows.contains { $0.hasPrefix("test distractor_r1 ") }, "test metrics include the distractor recall")
        }
        let attempts = try DatabaseQueue(path: killed).read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM attempts") ?? 0 }
        XCTAssertGreaterThan(attempts, 3, "kills interrupted runs, which were claimed again")
    }
}

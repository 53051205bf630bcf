import Foundation
import GRDB
import PEFTCLIP
import PEFTData
import PEFTStore
import XCTest

/// experiments/ads_clip_sarcasm.yaml, pointed at a tiny CLIP and one seed with `peftlab queue --set`, runs to
/// completion with `peftlab work`, and again while a worker is killed with SIGKILL mid-grid and restarted: every run
/// succeeds once, with parameters and metrics bit-equal to the uninterrupted grid (KillTest's contract, on this grid).
final class AdSCLIPGridKillTest: XCTestCase {
    private func prepare(_ dir: TemporaryDirectory, _ name: String) throws -> String {
        let path = dir.path(name)
        let store = try Store(path: path)
        let made = try BuiltinDatasets.make("sarcasm", into: URL(fileURLWithPath: dir.path("data-\(name)")), seed: 5, examples: 40)
        var options = IngestOptions()
        options.mapping = made.mapping
        _ = try Ingestor(store: store, tokenizer: try CLIPTokenizer.bundled()).ingest(dataset: "sarcasm", manifest: made.manifest,
                                                                                   options: options)
        if !FileManager.default.fileExists(atPath: dir.path("backbone/config.json")) {
            try CLIPBackboneFactory.makeRandom(config: .tiny(width: 32, layers: 2, heads: 4, imageSize: 32, patchSize: 8,
                                                             projectionDim: 16), seed: 0)
                .save(to: URL(fileURLWithPath: dir.path("backbone")))
        }
        let overrides = ["backbone=\(dir.path("backbone"))", "seeds=[1]", "train.epochs=2", "train.batch_size=8",
                         "train.checkpoint_every=2", "train.max_same_step=1000", "train.cache=float32"]
        let queued = try CLIRunner.run(["queue", "--db", path, repositoryRoot.appendingPathComponent("experiments/ads_clip_sarcasm.yaml").path]
                                       + overrides.flatMap { ["--set", $0] })
        XCTAssertEqual(queued.stdout, "ads-clip-sarcasm: 10 new, 0 already queued\n", queued.stderr)
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

    /// Per run (by config hash): state, last checkpoint's parameters, every metric row with its exact bits.
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

    func testTheGridSurvivesKillsBitForBit() throws {
        let dir = TemporaryDirectory()
        let reference = try prepare(dir, "reference.db")
        try startWorker(db: reference, extra: []).waitUntilExit()
        let expected = try outcome(reference)
        XCTAssertEqual(expected.count, 10)
        XCTAssertEqual(Set(expected.values.map { $0[0] }), ["succeeded"], "the grid runs to completion")

        let killed = try prepare(dir, "killed.db")
        let extra = ["--step-delay-ms", "30", "--lease-seconds", "1"]
        var worker = try startWorker(db: killed, extra: extra)
        var kills = 0
        var generator = SystemRandomNumberGenerator()
        while kills < 6 {
            Thread.sleep(forTimeInterval: Double.random(in: 0.3...0.7, using: &generator))
            guard worker.isRunning else { break }
            kill(worker.processIdentifier, SIGKILL)
            worker.waitUntilExit()
            kills += 1
            worker = try startWorker(db: killed, extra: extra)
        }
        let deadline = Date().addingTimeInterval(120)
        while worker.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.1) }
        XCTAssertFalse(worker.isRunning, "worker did not finish")
        if worker.isRunning { worker.terminate() }
        XCTAssertGreaterThanOrEqual(kills, 3, "the grid finished before 3 kills: slow the steps down")
        let got = try outcome(killed)
        XCTAssertEqual(got.count, 10)
        for (hash, rows) in expected { XCTAssertEqual(got[hash], rows, "run \(hash.prefix(12)) differs from the uninterrupted grid") }
        let attempts = try DatabaseQueue(path: killed).read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM attempts") ?? 0 }
        XCTAssertGreaterThan(attempts, 10, "kills interrupted runs, which were claimed again")
    }
}

import Foundation
import PEFTCLIP
import PEFTData
import PEFTStore
import PEFTTestSupport
import XCTest

/// What the `kill -9` tests share: a store holding a built-in dataset and a tiny random CLIP backbone, `peftlab work`
/// processes, a loop that kills workers at random moments and restarts them, and each run's outcome with exact bits,
/// so a killed grid can be compared with an uninterrupted one.
enum KillHarness {
    /// A database for `dir/name` (its `--db` locator, from `TestDatabase.locator`) holding `examples` of built-in
    /// `dataset` (made with `seed`), the store opened on it, and a tiny CLIP at `dir/backbone` (made once per
    /// directory, seed 0).
    static func store(_ dir: TemporaryDirectory, _ name: String, dataset: String, examples: Int,
                      seed: UInt64 = 5) throws -> (db: String, store: Store) {
        let db = TestDatabase.locator(dir.path(name))
        let store = try Store(path: db)
        let made = try BuiltinDatasets.make(dataset, into: URL(fileURLWithPath: dir.path("data-\(name)")), seed: seed,
                                            examples: examples)
        var options = IngestOptions()
        options.mapping = made.mapping
        _ = try Ingestor(store: store, tokenizer: try CLIPTokenizer.bundled()).ingest(dataset: dataset, manifest: made.manifest,
                                                                                   options: options)
        if !FileManager.default.fileExists(atPath: dir.path("backbone/config.json")) {
            try CLIPBackboneFactory.makeRandom(config: .tiny(width: 32, layers: 2, heads: 4, imageSize: 32, patchSize: 8,
                                                             projectionDim: 16), seed: 0)
                .save(to: URL(fileURLWithPath: dir.path("backbone")))
        }
        return (db, store)
    }

    /// A `peftlab work` process on `db` (`threads` threads, 2 cores, output discarded).
    static func startWorker(db: String, threads: Int = 2, extra: [String] = []) throws -> Process {
        let process = Process()
        process.executableURL = CLIRunner.executable
        process.arguments = ["work", "--db", db, "--threads", "\(threads)", "--cores", "2"] + extra
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    /// Runs `workers` workers (`threads` each) on `db` with `extra` arguments, SIGKILLs a random one after a random
    /// pause in `pause` (seconds) and restarts it, up to `kills` times or until the queue is drained, then waits up to
    /// `timeout` seconds for the workers to finish (failing the test if one does not). After kill number k, `faults[k]`
    /// (if any) runs with the worker processes' ids (e.g. cutting one's connection, restarting the server).
    /// Returns the number of kills.
    static func killRepeatedly(db: String, workers count: Int, threads: Int = 2, extra: [String], kills target: Int,
                               pause: ClosedRange<Double>, timeout: TimeInterval,
                               faults: [Int: ([Int32]) throws -> Void] = [:],
                               file: StaticString = #filePath, line: UInt = #line) throws -> Int {
        var workers = try (0..<count).map { _ in try startWorker(db: db, threads: threads, extra: extra) }
        var kills = 0
        var generator = SystemRandomNumberGenerator()
        while kills < target {
            Thread.sleep(forTimeInterval: Double.random(in: pause, using: &generator))
            let victim = Int.random(in: 0..<count, using: &generator)
            guard workers[victim].isRunning else { break }
            kill(workers[victim].processIdentifier, SIGKILL)
            workers[victim].waitUntilExit()
            kills += 1
            workers[victim] = try startWorker(db: db, threads: threads, extra: extra)
            try faults[kills]?(workers.map(\.processIdentifier))
        }
        let deadline = Date().addingTimeInterval(timeout)
        for worker in workers {
            while worker.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.1) }
            XCTAssertFalse(worker.isRunning, "worker did not finish", file: file, line: line)
            if worker.isRunning { worker.terminate() }
        }
        return kills
    }

    /// Per run (by config hash): state, last checkpoint's parameters (base64, or "none"), and every metric row with
    /// its exact bits.
    static func outcome(_ db: String) throws -> [String: [String]] {
        try read(db) { tx in
            var out: [String: [String]] = [:]
            for row in try tx.rows("SELECT id, config_hash, state FROM runs") {
                let id: Int64 = try row["id"]
                let params = try CheckpointRecord.latest(runID: id, in: tx)?.parameters
                let metrics = try MetricRow.all(runID: id, in: tx).map { "\($0.split) \($0.name) \($0.step) \($0.value.bitPattern)" }
                out[try row["config_hash"]] = [try row["state"], params?.base64EncodedString() ?? "none"] + metrics
            }
            return out
        }
    }

    /// How many attempts (claims) the runs in `db` took in all.
    static func attempts(_ db: String) throws -> Int {
        try read(db) { try $0.value(Int.self, "SELECT COUNT(*) FROM attempts") ?? 0 }
    }

    /// `body` in a read transaction of the database at `db`, opened read-only for it and closed after.
    static func read<T>(_ db: String, _ body: (any StoreTransaction) throws -> T) throws -> T {
        let store = try Store(path: db, create: false, access: .readOnly)
        defer { store.close() }
        return try store.read(body)
    }
}

import Foundation
import PEFTCLIP
import PEFTOrchestrator
import PEFTStore
import PEFTTestSupport
import XCTest

/// Faults at scale, on whichever backend this pass of the suite uses: worker processes on a grid of ≥ 24 runs,
/// `kill -9` at random moments, and on PostgreSQL also one worker's connection cut mid-run and one server restart.
/// Afterwards every run succeeded exactly once, no metric step is missing or doubled, every checkpoint decodes,
/// and every run's parameters and metrics equal an uninterrupted reference bit for bit.
///
/// Knobs (environment; `scripts/kill-test.sh` sets them): `PEFTLAB_KILL_PROCESSES` (4), `PEFTLAB_KILL_THREADS` (2),
/// `PEFTLAB_KILLS` (20; the script's default is 200).
final class ScaleKillTest: XCTestCase {
    private func knob(_ name: String, _ fallback: Int) -> Int {
        ProcessInfo.processInfo.environment[name].flatMap(Int.init) ?? fallback
    }

    private let spec = """
        name: scale-grid
        dataset: synth
        task: classification
        method: {name: linear-probe, feature: features}
        train: {epochs: 4, batch_size: 16, lr: 0.1, checkpoint_every: 5, eval_every: 10, max_same_step: 1000}
        grid:
          train.lr: [0.03, 0.05, 0.1, 0.2]
          train.batch_size: [16, 32]
        seeds: [1, 2, 3]
        """

    private func prepare(_ dir: TemporaryDirectory, _ name: String) throws -> String {
        let db = TestDatabase.locator(dir.path(name))
        let store = try Store(path: db)
        try SyntheticFeatureDataset.make(store: store, name: "synth", train: 320, val: 64, test: 64)
        store.close()
        try spec.write(toFile: dir.path("scale-grid.yaml"), atomically: true, encoding: .utf8)
        let queued = try CLIRunner.run(["queue", "--db", db, dir.path("scale-grid.yaml")])
        XCTAssertEqual(queued.stdout, "scale-grid: 24 new, 0 already queued\n", queued.stderr)
        return db
    }

    func testKilledWorkersCutConnectionsAndARestartedServerLoseNothing() throws {
        let processes = knob("PEFTLAB_KILL_PROCESSES", 4), threads = knob("PEFTLAB_KILL_THREADS", 2)
        let target = knob("PEFTLAB_KILLS", 20)
        let dir = TemporaryDirectory()
        let reference = try prepare(dir, "reference.db")
        try KillHarness.startWorker(db: reference, threads: threads).waitUntilExit()

        let killed = try prepare(dir, "killed.db")
        var faults: [Int: ([Int32]) throws -> Void] = [:]
        var cut = 0, restarted = false
        if TestDatabase.isPostgres {
            // A third of the way in: cut every connection of one live worker; two thirds in: restart the server.
            faults[max(1, target / 3)] = { pids in cut = try Self.cutConnections(of: pids[0], db: killed) }
            faults[max(2, 2 * target / 3)] = { _ in restarted = try Self.restartServer() }
        }
        // Steps slow enough that the grid outlasts `target` kills (a pause averages 0.23 s; the PostgreSQL faults
        // take seconds of their own).
        let delay = max(TestDatabase.isPostgres ? 180 : 60, 3 * target)
        let extra = ["--step-delay-ms", "\(delay)", "--lease-seconds", "2"]
        let kills = try KillHarness.killRepeatedly(db: killed, workers: processes, threads: threads, extra: extra,
                                                   kills: target, pause: 0.05...0.4, timeout: 600, faults: faults)
        XCTAssertGreaterThanOrEqual(kills, target, "the grid finished before \(target) kills: slow the steps down")
        if TestDatabase.isPostgres {
            XCTAssertGreaterThan(cut, 0, "no connection of the chosen worker was cut")
            XCTAssertTrue(restarted, "the server was not restarted")
        }

        let got = try KillHarness.outcome(killed), expected = try KillHarness.outcome(reference)
        XCTAssertEqual(got.count, 24)
        XCTAssertEqual(Set(got.values.map { $0[0] }), ["succeeded"])
        for (hash, rows) in expected {
            XCTAssertEqual(got[hash], rows, "run \(hash.prefix(12)) differs from the uninterrupted reference")
        }
        try KillHarness.read(killed) { tx in
            XCTAssertEqual(try tx.value(Int.self, "SELECT COUNT(*) FROM attempts WHERE outcome = 'succeeded'"), 24,
                           "every run succeeded exactly once")
            let gaps = try tx.value(Int.self, """
                SELECT COUNT(*) FROM runs r WHERE (SELECT COUNT(DISTINCT m.step) FROM metrics m WHERE m.run_id = r.id
                    AND m.split = 'train' AND m.name = 'loss') != r.total_steps
                """)
            XCTAssertEqual(gaps, 0, "every step has exactly one train loss")
            try tx.forEachRow("SELECT run_id, step, parameters, optimizer FROM checkpoints", []) { row in
                let run: Int64 = try row["run_id"], step: Int = try row["step"]
                XCTAssertNoThrow(try SafeTensorsFile(data: try row["parameters"], path: "run \(run) step \(step)"))
                XCTAssertNoThrow(try JSONSerialization.jsonObject(with: try row["optimizer"] as Data))
            }
        }
    }

    /// Terminates every server connection of worker process `pid` (it names itself "peftlab <pid>"); returns how many.
    private static func cutConnections(of pid: Int32, db: String) throws -> Int {
        let store = try Store(path: db)
        defer { store.close() }
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            let cut = try store.write { tx in
                try tx.rows("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = ?",
                            ["peftlab \(pid)"]).count
            }
            if cut > 0 { return cut }
            Thread.sleep(forTimeInterval: 0.1)
        }
        return 0
    }

    /// Restarts the test server (`PEFTLAB_TEST_PG_CTL restart`): every connection drops while it is down. Spawned and
    /// reaped with posix_spawn/waitpid: Foundation's Process can miss the exit of a child whose grandchild (the new
    /// postmaster) lives on.
    private static func restartServer() throws -> Bool {
        guard let control = ProcessInfo.processInfo.environment["PEFTLAB_TEST_PG_CTL"] else { return false }
        var pid: pid_t = 0
        let argv: [UnsafeMutablePointer<CChar>?] = [strdup(control), strdup("restart"), nil]
        defer { argv.forEach { free($0) } }
        guard posix_spawn(&pid, control, nil, nil, argv, environ) == 0 else { return false }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        return status == 0
    }
}

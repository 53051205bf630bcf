import Foundation
import PEFTStore
import PEFTTestSupport
import XCTest

/// `peftlab show`, `runs` and `status` end to end on hand-written runs: every section of a run, filters and formats,
/// and the ETA.
final class RunInspectionCommandTests: XCTestCase {
    /// Experiment `grid` with a succeeded run (two attempts, two checkpoints, metrics, events) and a running one,
    /// and experiment `empty` without runs.
    private func database(_ dir: TemporaryDirectory) throws -> String {
        let db = TestDatabase.locator(dir.path("p.db"))
        let store = try Store(path: db)
        defer { store.close() }
        try store.write { tx in
            try tx.execute("""
                INSERT INTO experiments (name, yaml, yaml_sha256, created_at, updated_at)
                VALUES ('grid', '', '', 0, 0), ('empty', '', '', 0, 0)
                """)
            try tx.execute("""
                INSERT INTO runs (experiment_id, config_hash, config_json, grid_json, method, seed, state, step, total_steps,
                                  error, queued_at, started_at, finished_at)
                VALUES (1, 'a', '{"dataset":"d","seed":1}', '{"train.lr":0.1}', 'lora', 1, 'succeeded', 20, 20, NULL, 0, 100, 110.5),
                       (1, 'b', '{"seed":2}', '{}', 'lora', 2, 'running', 5, NULL, 'boom, again', 0, 100, NULL)
                """)
            try tx.execute("""
                INSERT INTO attempts (run_id, attempt, worker_id, host, pid, started_at, ended_at, outcome, error)
                VALUES (1, 1, 'w1', 'h', 1, 100, 103.456, 'failed', 'oops'), (1, 2, 'w2', 'h', 2, 104, 110.5, 'succeeded', NULL),
                       (2, 1, 'w3', 'h', 3, 105, NULL, NULL, NULL)
                """)
            for (step, epoch, cursor, best, isBest, optimizer) in [(10, 0, 10, 0.5, 0, Data([2])), (20, 1, 0, 0.75, 1, Data([2, 3]))] {
                try tx.execute("""
                    INSERT INTO checkpoints (run_id, step, epoch, cursor, parameters, optimizer, rng, best_metric, is_best,
                                             byte_count, created_at)
                    VALUES (1, ?, ?, ?, ?, ?, '{}', ?, ?, ?, 0)
                    """, [step, epoch, cursor, Data([1]), optimizer, best, isBest, 1 + optimizer.count])
            }
            try MetricRow.insert([
                MetricRow(runID: 1, step: 10, split: "val", name: "accuracy", value: 0.5),
                MetricRow(runID: 1, step: 20, split: "val", name: "accuracy", value: 0.75),
                MetricRow(runID: 1, step: 20, split: "test", name: "accuracy", value: 0.7),
                MetricRow(runID: 1, step: 20, split: "test", name: "f1", value: 0.6),
                MetricRow(runID: 1, step: 1, split: "train", name: "loss", value: 0.9),
                MetricRow(runID: 1, step: 2, split: "train", name: "loss", value: 0.4),
                MetricRow(runID: 1, step: 3, split: "train", name: "loss", value: 0.6),
                MetricRow(runID: 1, step: 20, split: "val", name: "loss", value: 2),
            ], in: tx)
            try Event.record(tx, runID: 1, level: .warning, kind: "retry", message: "attempt 1 failed: oops", now: 0)
            try Event.record(tx, runID: 1, level: .info, kind: "done", message: "succeeded", now: 1)
        }
        return db
    }

    func testShowPrintsTheRunAndEverySection() throws {
        let dir = TemporaryDirectory()
        let db = try database(dir)
        let show = try CLIRunner.run(["show", "--db", db, "1"])
        XCTAssertEqual(show.status, 0, show.stderr)
        XCTAssertEqual(show.stdout, """
            id: 1
            experiment: grid
            method: lora
            seed: 1
            state: succeeded
            attempts: 0
            max_attempts: 3
            step: 20
            total_steps: 20
            grid: {"train.lr":0.1}
            error: NULL
            config: {"dataset":"d","seed":1}

            attempts:
            attempt  worker_id  outcome    error  seconds
            -------  ---------  ---------  -----  -------
                  1  w1         failed     oops      3.46
                  2  w2         succeeded   NULL      6.5
            (2 rows)

            checkpoints:
            step  epoch  cursor  best_metric  is_best  byte_count
            ----  -----  ------  -----------  -------  ----------
              10      0      10          0.5        0           2
              20      1       0         0.75        1           3
            (2 rows)

            metrics:
            split  name      points  first_step  last_step  min  max   last
            -----  --------  ------  ----------  ---------  ---  ----  ----
            test   accuracy       1          20         20  0.7   0.7   0.7
            test   f1             1          20         20  0.6   0.6   0.6
            train  loss           3           1          3  0.4   0.9   0.6
            val    accuracy       2          10         20  0.5  0.75  0.75
            val    loss           1          20         20  2.0   2.0   2.0
            (5 rows)

            events:
            kind   level    message
            -----  -------  ----------------------
            retry  warning  attempt 1 failed: oops
            done   info     succeeded
            (2 rows)

            """)
        let running = try CLIRunner.run(["show", "--db", db, "2"])
        XCTAssertTrue(running.stdout.contains("total_steps: NULL\n") && running.stdout.contains("error: boom, again\n"),
                      running.stdout)
        XCTAssertTrue(running.stdout.contains("      1  w3            NULL   NULL     NULL\n"), running.stdout)
        let missing = try CLIRunner.run(["show", "--db", db, "9"])
        XCTAssertNotEqual(missing.status, 0)
        XCTAssertTrue(missing.stderr.contains("run 9 not found"), missing.stderr)
    }

    func testRunsFiltersByExperimentAndState() throws {
        let dir = TemporaryDirectory()
        let db = try database(dir)
        let header = "run_id,experiment,method,grid,seed,state,steps,test_accuracy,test_f1,test_mae,val_loss\n"
        XCTAssertEqual(try CLIRunner.run(["runs", "--db", db, "--csv"]).stdout,
                       header + "1,grid,lora,\"{\"\"train.lr\"\":0.1}\",1,succeeded,20,0.7,0.6,,2.0\n"
                           + "2,grid,lora,{},2,running,5,,,,\n")
        XCTAssertEqual(try CLIRunner.run(["runs", "--db", db, "--json", "--state", "running"]).stdout,
                       "[{\"run_id\":2,\"experiment\":\"grid\",\"method\":\"lora\",\"grid\":\"{}\",\"seed\":2,\"state\":\"running\","
                           + "\"steps\":5,\"test_accuracy\":null,\"test_f1\":null,\"test_mae\":null,\"val_loss\":null}]\n")
        XCTAssertEqual(try CLIRunner.run(["runs", "--db", db, "--csv", "--experiment", "empty"]).stdout, header)
    }

    /// The ETA: 15 steps left (the running run's length is the experiment's average, 20) at the succeeded run's
    /// 20 steps / 10.5 s; an experiment without runs counts 0 in every state.
    func testStatusEstimatesTheTimeLeft() throws {
        let dir = TemporaryDirectory()
        let db = try database(dir)
        XCTAssertEqual(try CLIRunner.run(["status", "--db", db, "--csv"]).stdout,
                       "experiment,queued,running,succeeded,failed,cancelled,total,eta\nempty,0,0,0,0,0,0,\ngrid,0,1,1,0,0,2,8s\n")
    }
}

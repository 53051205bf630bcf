import Foundation
import GRDB
import XCTest
@testable import PEFTStore

final class RunQueueTests: XCTestCase {
    private let alice = WorkerIdentity(id: "alice", host: "h", pid: 1)
    private let bob = WorkerIdentity(id: "bob", host: "h", pid: 2)

    /// A store with one experiment and `runs` queued runs (ids 1…runs), max 2 attempts each.
    private func makeQueue(runs: Int, dir: TemporaryDirectory) throws -> SQLiteRunQueue {
        let store = try Store(path: dir.path("queue.db"))
        try store.grdbWrite { db in
            try db.execute(sql: "INSERT INTO experiments (name, yaml, yaml_sha256, created_at, updated_at) VALUES ('exp', '', '', 0, 0)")
            for i in 1...runs {
                try db.execute(sql: """
                    INSERT INTO runs (experiment_id, config_hash, config_json, method, seed, max_attempts, queued_at)
                    VALUES (1, ?, ?, 'lora', ?, 2, 0)
                    """, arguments: ["hash\(i)", "{\"i\":\(i)}", i])
            }
        }
        return SQLiteRunQueue(store: store)
    }

    private func state(_ queue: SQLiteRunQueue, _ run: Int64) throws -> String? {
        try queue.store.grdbRead { try String.fetchOne($0, sql: "SELECT state FROM runs WHERE id = ?", arguments: [run]) }
    }

    func testClaimsOldestFirstAndEachRunOnce() throws {
        let dir = TemporaryDirectory()
        let queue = try makeQueue(runs: 2, dir: dir)
        let first = try XCTUnwrap(queue.claim(worker: alice, experiment: nil, leaseSeconds: 10, now: 100))
        let second = try XCTUnwrap(queue.claim(worker: bob, experiment: "exp", leaseSeconds: 10, now: 100))
        XCTAssertEqual([first.runID, second.runID], [1, 2])
        XCTAssertEqual(first.attempt, 1)
        XCTAssertEqual(first.configJSON, "{\"i\":1}")
        XCTAssertNil(try queue.claim(worker: alice, experiment: nil, leaseSeconds: 10, now: 101))
        XCTAssertNil(try queue.claim(worker: alice, experiment: "other", leaseSeconds: 10, now: 101))
        try queue.complete(first, outcome: .succeeded, metrics: [], now: 102)
        XCTAssertEqual(try state(queue, 1), "succeeded")
        XCTAssertEqual(try queue.store.grdbRead { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM leases") }, 1)
    }

    func testExpiredLeaseMakesTheRunClaimableAgainWithoutUsingUpAttempts() throws {
        let dir = TemporaryDirectory()
        let queue = try makeQueue(runs: 1, dir: dir)
        let first = try XCTUnwrap(queue.claim(worker: alice, experiment: nil, leaseSeconds: 10, now: 0))
        XCTAssertTrue(try queue.heartbeat(first, leaseSeconds: 10, step: 4, now: 5))  // now expires at 15
        XCTAssertNil(try queue.claim(worker: bob, experiment: nil, leaseSeconds: 10, now: 14))
        let again = try XCTUnwrap(queue.claim(worker: bob, experiment: nil, leaseSeconds: 10, now: 16))
        XCTAssertEqual(again.attempt, 2)
        // Alice comes back from a pause: her lease is gone, and she must not record anything.
        XCTAssertFalse(try queue.heartbeat(first, leaseSeconds: 10, step: 5, now: 17))
        XCTAssertThrowsError(try queue.complete(first, outcome: .succeeded, metrics: [], now: 17)) { error in
            XCTAssertEqual(error as? QueueError, .leaseLost(runID: 1, worker: "alice"))
        }
        // Bob dies too, further on: two expiries, but max_attempts (2) counts only the run's own errors.
        XCTAssertTrue(try queue.heartbeat(again, leaseSeconds: 10, step: 9, now: 18))
        let third = try XCTUnwrap(queue.claim(worker: alice, experiment: nil, leaseSeconds: 10, now: 30))
        XCTAssertEqual(third.attempt, 3)
        let row = try queue.store.grdbRead { try Row.fetchOne($0, sql: "SELECT attempts, expiries, expiry_step FROM runs WHERE id = 1") }
        XCTAssertEqual(row?["attempts"], 1, "only the running attempt counts")
        XCTAssertEqual(row?["expiries"], 2)
        XCTAssertEqual(row?["expiry_step"], 9)
        let outcomes = try queue.store.grdbRead {
            try String.fetchAll($0, sql: "SELECT COALESCE(outcome, 'running') FROM attempts WHERE run_id = 1 ORDER BY attempt")
        }
        XCTAssertEqual(outcomes, ["expired", "expired", "running"])
        let events = try queue.store.grdbRead { try Event.forRun($0.storeTransaction, runID: 1) }
        XCTAssertEqual(events.map(\.kind), ["lease-expired", "lease-expired"])
    }

    func testWorkersDyingTwiceAtTheSameStepFailTheRunWithThatReason() throws {
        let dir = TemporaryDirectory()
        let queue = try makeQueue(runs: 1, dir: dir)
        let first = try XCTUnwrap(queue.claim(worker: alice, experiment: nil, leaseSeconds: 10, now: 0))
        XCTAssertTrue(try queue.heartbeat(first, leaseSeconds: 10, step: 7, now: 1))
        let second = try XCTUnwrap(queue.claim(worker: bob, experiment: nil, leaseSeconds: 10, now: 20))
        XCTAssertTrue(try queue.heartbeat(second, leaseSeconds: 10, step: 7, now: 21))
        XCTAssertNil(try queue.claim(worker: alice, experiment: nil, leaseSeconds: 10, now: 40))
        XCTAssertEqual(try state(queue, 1), "failed")
        let error = try queue.store.grdbRead { try String.fetchOne($0, sql: "SELECT error FROM runs WHERE id = 1") }
        XCTAssertTrue(error?.contains("died at step 7 on 2 attempts in a row") ?? false, error ?? "no error")
    }

    func testTooManyExpiriesFailTheRun() throws {
        let dir = TemporaryDirectory()
        let queue = try makeQueue(runs: 1, dir: dir)
        try queue.store.grdbWrite { try $0.execute(sql: "UPDATE runs SET max_expiries = 3") }
        var now = 0.0
        for step in 1...3 {
            let claim = try XCTUnwrap(queue.claim(worker: alice, experiment: nil, leaseSeconds: 10, now: now), "claim \(step)")
            XCTAssertTrue(try queue.heartbeat(claim, leaseSeconds: 10, step: step, now: now + 1))
            now += 20
        }
        XCTAssertNil(try queue.claim(worker: alice, experiment: nil, leaseSeconds: 10, now: now))
        XCTAssertEqual(try state(queue, 1), "failed")
        let error = try queue.store.grdbRead { try String.fetchOne($0, sql: "SELECT error FROM runs WHERE id = 1") }
        XCTAssertTrue(error?.contains("expired 3 times") ?? false, error ?? "no error")
    }

    func testFailureRequeuesUntilAttemptsRunOutAndKeepsTheError() throws {
        let dir = TemporaryDirectory()
        let queue = try makeQueue(runs: 1, dir: dir)
        let first = try XCTUnwrap(queue.claim(worker: alice, experiment: nil, leaseSeconds: 10, now: 0))
        try queue.complete(first, outcome: .failed(message: "NaN loss at step 3", permanent: false), metrics: [], now: 1)
        XCTAssertEqual(try state(queue, 1), "queued")
        let second = try XCTUnwrap(queue.claim(worker: alice, experiment: nil, leaseSeconds: 10, now: 2))
        try queue.complete(second, outcome: .failed(message: "NaN loss at step 3", permanent: false), metrics: [], now: 3)
        XCTAssertEqual(try state(queue, 1), "failed")
        XCTAssertEqual(try queue.store.grdbRead { try String.fetchOne($0, sql: "SELECT error FROM runs") }, "NaN loss at step 3")
    }

    func testPermanentFailureIsNotRetried() throws {
        let dir = TemporaryDirectory()
        let queue = try makeQueue(runs: 1, dir: dir)
        let claim = try XCTUnwrap(queue.claim(worker: alice, experiment: nil, leaseSeconds: 10, now: 0))
        try queue.complete(claim, outcome: .failed(message: "unknown feature 'x'", permanent: true), metrics: [], now: 1)
        XCTAssertEqual(try state(queue, 1), "failed")
    }

    /// Two claims of one run by the same worker process (a cancel + retry in between): only the newer one acts.
    func testAnOlderClaimOfTheSameWorkerLosesItsLeaseToANewerOne() throws {
        let dir = TemporaryDirectory()
        let queue = try makeQueue(runs: 1, dir: dir)
        let old = try XCTUnwrap(queue.claim(worker: alice, experiment: nil, leaseSeconds: 60, now: 0))
        _ = try RunControl(store: queue.store).cancel(.runs([1]), now: 1)
        _ = try RunControl(store: queue.store).retry(.runs([1]), now: 2)
        let new = try XCTUnwrap(queue.claim(worker: alice, experiment: nil, leaseSeconds: 60, now: 3))
        XCTAssertEqual(new.attempt, 2)
        XCTAssertFalse(try queue.heartbeat(old, leaseSeconds: 60, step: nil, now: 4))
        XCTAssertThrowsError(try queue.store.grdbWrite { try SQLiteRunQueue.requireLease($0, old) })
        XCTAssertThrowsError(try queue.complete(old, outcome: .succeeded, metrics: [], now: 5))
        XCTAssertTrue(try queue.heartbeat(new, leaseSeconds: 60, step: nil, now: 6))
        try queue.complete(new, outcome: .succeeded, metrics: [MetricRow(runID: 1, step: 9, split: "test", name: "f1", value: 0.5)], now: 7)
        XCTAssertEqual(try queue.store.grdbRead { try Double.fetchOne($0, sql: "SELECT value FROM metrics WHERE name = 'f1'") }, 0.5)
    }

    func testReleaseRequeuesWithoutSpendingAnAttempt() throws {
        let dir = TemporaryDirectory()
        let queue = try makeQueue(runs: 1, dir: dir)
        let first = try XCTUnwrap(queue.claim(worker: alice, experiment: nil, leaseSeconds: 10, now: 0))
        try queue.release(first, now: 1)
        XCTAssertEqual(try state(queue, 1), "queued")
        let claim = try XCTUnwrap(queue.claim(worker: bob, experiment: nil, leaseSeconds: 10, now: 2))
        XCTAssertEqual(claim.attempt, 2)
        XCTAssertEqual(try queue.store.grdbRead { try Int.fetchOne($0, sql: "SELECT attempts FROM runs") }, 1)
        let outcomes = try queue.store.grdbRead { try String?.fetchAll($0, sql: "SELECT outcome FROM attempts ORDER BY attempt") }
        XCTAssertEqual(outcomes, ["released", nil])
    }

    func testConcurrentClaimsFromManyThreadsNeverShareARun() throws {
        let dir = TemporaryDirectory()
        let queue = try makeQueue(runs: 200, dir: dir)
        let claimed = Claimed()
        DispatchQueue.concurrentPerform(iterations: 8) { worker in
            let me = WorkerIdentity(id: "w\(worker)", host: "h", pid: worker)
            while let claim = try? queue.claim(worker: me, experiment: nil, leaseSeconds: 60, now: 0) {
                claimed.add(claim.runID)
                try? queue.complete(claim, outcome: .succeeded, metrics: [], now: 1)
            }
        }
        XCTAssertEqual(claimed.ids.sorted(), Array(1...200))
    }
}

/// Thread-safe list of claimed run ids.
private final class Claimed: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var ids: [Int64] = []
    func add(_ id: Int64) { lock.withLock { ids.append(id) } }
}

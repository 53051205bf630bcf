import Foundation
import PEFTTestSupport
import XCTest
@testable import PEFTStore

final class RunQueueTests: XCTestCase {
    private let alice = WorkerIdentity(id: "alice", host: "h", pid: 1)
    private let bob = WorkerIdentity(id: "bob", host: "h", pid: 2)
    /// The queue's time: each test sets it before a call (`at(_:)`).
    private let clock = ManualClock(0)

    /// A store with one experiment and `runs` queued runs (ids 1…runs), max 2 attempts each.
    private func makeQueue(runs: Int, dir: TemporaryDirectory) throws -> StoreRunQueue {
        let store = try Store(path: TestDatabase.locator(dir.path("queue.db")))
        try store.write { tx in
            let experiment = try ExperimentRecord.save(name: "exp", file: nil, yaml: "", yamlSHA256: "", now: 0, in: tx)
            for i in 1...runs {
                _ = try RunRecord.queue(experimentID: experiment, configHash: "hash\(i)", configJSON: "{\"i\":\(i)}",
                                        method: "lora", seed: i,
                                        limits: RunRecord.Limits(maxAttempts: 2, maxExpiries: 50, maxSameStep: 2),
                                        queuedAt: 0, in: tx)
            }
        }
        return StoreRunQueue(store: store, clock: .manual(clock))
    }

    /// The queue, with its clock set to `time`.
    private func at(_ time: Double, _ queue: StoreRunQueue) -> StoreRunQueue {
        clock.set(time)
        return queue
    }

    private func run(_ queue: StoreRunQueue, _ id: Int64) throws -> RunRecord {
        try XCTUnwrap(try queue.store.read { try RunRecord.fetch(id: id, in: $0) }, "run \(id)")
    }

    private func state(_ queue: StoreRunQueue, _ id: Int64) throws -> RunRecord.State? {
        try queue.state(ofRun: id)
    }

    func testClaimsOldestFirstAndEachRunOnce() throws {
        let dir = TemporaryDirectory()
        let queue = try makeQueue(runs: 2, dir: dir)
        let first = try XCTUnwrap(at(100, queue).claim(worker: alice, experiment: nil, leaseSeconds: 10))
        let second = try XCTUnwrap(at(100, queue).claim(worker: bob, experiment: "exp", leaseSeconds: 10))
        XCTAssertEqual([first.runID, second.runID], [1, 2])
        XCTAssertEqual(first.attempt, 1)
        XCTAssertEqual(first.configJSON, "{\"i\":1}")
        XCTAssertNil(try at(101, queue).claim(worker: alice, experiment: nil, leaseSeconds: 10))
        XCTAssertNil(try at(101, queue).claim(worker: alice, experiment: "other", leaseSeconds: 10))
        try at(102, queue).complete(first, outcome: .succeeded, metrics: [])
        XCTAssertEqual(try state(queue, 1), .succeeded)
        XCTAssertEqual(try queue.store.read { try LeaseRecord.count(in: $0) }, 1)
    }

    func testExpiredLeaseMakesTheRunClaimableAgainWithoutUsingUpAttempts() throws {
        let dir = TemporaryDirectory()
        let queue = try makeQueue(runs: 1, dir: dir)
        let first = try XCTUnwrap(at(0, queue).claim(worker: alice, experiment: nil, leaseSeconds: 10))
        XCTAssertTrue(try at(5, queue).heartbeat(first, leaseSeconds: 10, step: 4))  // now expires at 15
        XCTAssertNil(try at(14, queue).claim(worker: bob, experiment: nil, leaseSeconds: 10))
        let again = try XCTUnwrap(at(16, queue).claim(worker: bob, experiment: nil, leaseSeconds: 10))
        XCTAssertEqual(again.attempt, 2)
        // Alice comes back from a pause: her lease is gone, and she must not record anything.
        XCTAssertFalse(try at(17, queue).heartbeat(first, leaseSeconds: 10, step: 5))
        XCTAssertThrowsError(try at(17, queue).complete(first, outcome: .succeeded, metrics: [])) { error in
            XCTAssertEqual(error as? QueueError, .leaseLost(runID: 1, worker: "alice"))
        }
        // Bob dies too, further on: two expiries, but max_attempts (2) counts only the run's own errors.
        XCTAssertTrue(try at(18, queue).heartbeat(again, leaseSeconds: 10, step: 9))
        let third = try XCTUnwrap(at(30, queue).claim(worker: alice, experiment: nil, leaseSeconds: 10))
        XCTAssertEqual(third.attempt, 3)
        let record = try run(queue, 1)
        XCTAssertEqual(record.attempts, 1, "only the running attempt counts")
        XCTAssertEqual(record.expiries, 2)
        XCTAssertEqual(record.expiryStep, 9)
        let outcomes = try queue.store.read { try AttemptRecord.all(runID: 1, in: $0) }.map(\.outcome)
        XCTAssertEqual(outcomes, [.expired, .expired, nil])
        let events = try queue.store.read { try Event.forRun($0, runID: 1) }
        XCTAssertEqual(events.map(\.kind), ["lease-expired", "lease-expired"])
    }

    func testWorkersDyingTwiceAtTheSameStepFailTheRunWithThatReason() throws {
        let dir = TemporaryDirectory()
        let queue = try makeQueue(runs: 1, dir: dir)
        let first = try XCTUnwrap(at(0, queue).claim(worker: alice, experiment: nil, leaseSeconds: 10))
        XCTAssertTrue(try at(1, queue).heartbeat(first, leaseSeconds: 10, step: 7))
        let second = try XCTUnwrap(at(20, queue).claim(worker: bob, experiment: nil, leaseSeconds: 10))
        XCTAssertTrue(try at(21, queue).heartbeat(second, leaseSeconds: 10, step: 7))
        XCTAssertNil(try at(40, queue).claim(worker: alice, experiment: nil, leaseSeconds: 10))
        XCTAssertEqual(try state(queue, 1), .failed)
        let error = try run(queue, 1).error
        XCTAssertTrue(error?.contains("died at step 7 on 2 attempts in a row") ?? false, error ?? "no error")
    }

    func testTooManyExpiriesFailTheRun() throws {
        let dir = TemporaryDirectory()
        let queue = try makeQueue(runs: 1, dir: dir)
        try queue.store.write { try $0.execute("UPDATE runs SET max_expiries = 3") }
        var now = 0.0
        for step in 1...3 {
            let claim = try XCTUnwrap(at(now, queue).claim(worker: alice, experiment: nil, leaseSeconds: 10), "claim \(step)")
            XCTAssertTrue(try at(now + 1, queue).heartbeat(claim, leaseSeconds: 10, step: step))
            now += 20
        }
        XCTAssertNil(try at(now, queue).claim(worker: alice, experiment: nil, leaseSeconds: 10))
        XCTAssertEqual(try state(queue, 1), .failed)
        let error = try run(queue, 1).error
        XCTAssertTrue(error?.contains("expired 3 times") ?? false, error ?? "no error")
    }

    func testFailureRequeuesUntilAttemptsRunOutAndKeepsTheError() throws {
        let dir = TemporaryDirectory()
        let queue = try makeQueue(runs: 1, dir: dir)
        let first = try XCTUnwrap(at(0, queue).claim(worker: alice, experiment: nil, leaseSeconds: 10))
        try at(1, queue).complete(first, outcome: .failed(message: "NaN loss at step 3", permanent: false), metrics: [])
        XCTAssertEqual(try state(queue, 1), .queued)
        let second = try XCTUnwrap(at(2, queue).claim(worker: alice, experiment: nil, leaseSeconds: 10))
        try at(3, queue).complete(second, outcome: .failed(message: "NaN loss at step 3", permanent: false), metrics: [])
        XCTAssertEqual(try state(queue, 1), .failed)
        XCTAssertEqual(try run(queue, 1).error, "NaN loss at step 3")
    }

    func testPermanentFailureIsNotRetried() throws {
        let dir = TemporaryDirectory()
        let queue = try makeQueue(runs: 1, dir: dir)
        let claim = try XCTUnwrap(at(0, queue).claim(worker: alice, experiment: nil, leaseSeconds: 10))
        try at(1, queue).complete(claim, outcome: .failed(message: "unknown feature 'x'", permanent: true), metrics: [])
        XCTAssertEqual(try state(queue, 1), .failed)
    }

    /// Two claims of one run by the same worker process (a cancel + retry in between): only the newer one acts.
    func testAnOlderClaimOfTheSameWorkerLosesItsLeaseToANewerOne() throws {
        let dir = TemporaryDirectory()
        let queue = try makeQueue(runs: 1, dir: dir)
        let old = try XCTUnwrap(at(0, queue).claim(worker: alice, experiment: nil, leaseSeconds: 60))
        let control = RunControl(store: queue.store, clock: .manual(clock))
        clock.set(1)
        _ = try control.cancel(.runs([1]))
        clock.set(2)
        _ = try control.retry(.runs([1]))
        let new = try XCTUnwrap(at(3, queue).claim(worker: alice, experiment: nil, leaseSeconds: 60))
        XCTAssertEqual(new.attempt, 2)
        XCTAssertFalse(try at(4, queue).heartbeat(old, leaseSeconds: 60, step: nil))
        let checkpoint = CheckpointRecord(runID: 1, step: 3, epoch: 0, cursor: 3, parameters: Data([1]), optimizer: Data(),
                                          rng: "{}", bestMetric: nil, isBest: false, createdAt: 0)
        XCTAssertThrowsError(try queue.record(old, checkpoint: checkpoint, metrics: [], keepLast: 2)) { error in
            XCTAssertEqual(error as? QueueError, .leaseLost(runID: 1, worker: "alice"))
        }
        XCTAssertNil(try queue.store.read { try CheckpointRecord.latest(runID: 1, in: $0) }, "nothing recorded without the lease")
        XCTAssertThrowsError(try at(5, queue).complete(old, outcome: .succeeded, metrics: []))
        XCTAssertTrue(try at(6, queue).heartbeat(new, leaseSeconds: 60, step: nil))
        try at(7, queue).complete(new, outcome: .succeeded, metrics: [MetricRow(runID: 1, step: 9, split: "test", name: "f1", value: 0.5)])
        XCTAssertEqual(try queue.store.read { try MetricRow.all(runID: 1, in: $0) }.map(\.value), [0.5])
    }

    func testReleaseRequeuesWithoutSpendingAnAttempt() throws {
        let dir = TemporaryDirectory()
        let queue = try makeQueue(runs: 1, dir: dir)
        let first = try XCTUnwrap(at(0, queue).claim(worker: alice, experiment: nil, leaseSeconds: 10))
        try at(1, queue).release(first)
        XCTAssertEqual(try state(queue, 1), .queued)
        let claim = try XCTUnwrap(at(2, queue).claim(worker: bob, experiment: nil, leaseSeconds: 10))
        XCTAssertEqual(claim.attempt, 2)
        XCTAssertEqual(try run(queue, 1).attempts, 1)
        let outcomes = try queue.store.read { try AttemptRecord.all(runID: 1, in: $0) }.map(\.outcome)
        XCTAssertEqual(outcomes, [.released, nil])
    }

    /// A checkpoint and metrics are written together, only under the lease; resuming forgets the metrics after
    /// the latest checkpoint and records the run's size; completing stores the predictions with the outcome.
    func testRecordResumeAndCompleteWriteOnlyWhileTheLeaseHolds() throws {
        let dir = TemporaryDirectory()
        let queue = try makeQueue(runs: 1, dir: dir)
        let claim = try XCTUnwrap(at(0, queue).claim(worker: alice, experiment: nil, leaseSeconds: 10))
        let size = RunRecord.Size(totalSteps: 9, methodParams: 4, headParams: 2, trainableParams: 6, totalParams: 100)
        XCTAssertNil(try at(1, queue).resume(claim, size: size), "nothing to resume from yet")
        func loss(_ step: Int) -> MetricRow { MetricRow(runID: 1, step: step, split: "train", name: "loss", value: Double(step)) }
        let checkpoint = CheckpointRecord(runID: 1, step: 2, epoch: 0, cursor: 2, parameters: Data([2]), optimizer: Data(),
                                          rng: "{}", bestMetric: 0.5, isBest: true, createdAt: 0)
        try at(2, queue).record(claim, checkpoint: checkpoint, metrics: [loss(1), loss(2)], keepLast: 2)
        try at(3, queue).record(claim, checkpoint: nil, metrics: [loss(3)], keepLast: 2)
        XCTAssertEqual(try run(queue, 1).step, 2)
        XCTAssertEqual(try queue.bestCheckpoint(of: claim)?.createdAt, 2, "written at the queue's time")

        // The worker dies; the next claim resumes from step 2 and the metric of step 3 is forgotten.
        let next = try XCTUnwrap(at(20, queue).claim(worker: bob, experiment: nil, leaseSeconds: 10))
        XCTAssertThrowsError(try at(20, queue).resume(claim, size: size)) { error in
            XCTAssertEqual(error as? QueueError, .leaseLost(runID: 1, worker: "alice"))
        }
        XCTAssertEqual(try at(21, queue).resume(next, size: size)?.step, 2)
        XCTAssertEqual(try queue.store.read { try MetricRow.all(runID: 1, in: $0) }.map(\.step), [1, 2])
        XCTAssertEqual(try run(queue, 1).totalSteps, 9)
        XCTAssertTrue(try queue.hasUnfinishedRuns(experiment: "exp"))

        let predictions = PredictionRecord(runID: 1, split: "test", step: 2,
                                           predictions: StoredPredictions(exampleIDs: [1, 2], values: .classes(predicted: [1, 1], targets: [1, 0], classes: 2)))
        try at(22, queue).complete(next, outcome: .succeeded, metrics: [], predictions: [predictions])
        XCTAssertEqual(try queue.store.read { try PredictionRecord.fetch(runID: 1, split: "test", step: 2, in: $0) }, predictions)
        XCTAssertFalse(try queue.hasUnfinishedRuns(experiment: nil))
        XCTAssertFalse(try queue.hasUnfinishedRuns(experiment: "exp"))
    }

    func testConcurrentClaimsFromManyThreadsNeverShareARun() throws {
        let dir = TemporaryDirectory()
        let queue = try makeQueue(runs: 200, dir: dir)
        let claimed = Claimed()
        DispatchQueue.concurrentPerform(iterations: 8) { worker in
            let me = WorkerIdentity(id: "w\(worker)", host: "h", pid: worker)
            while let claim = try? queue.claim(worker: me, experiment: nil, leaseSeconds: 60) {
                claimed.add(claim.runID)
                try? queue.complete(claim, outcome: .succeeded, metrics: [])
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

import Foundation
import GRDB
import PEFTCLIP
import PEFTStore

/// Drives one claimed run: resume from its latest checkpoint, train, evaluate, checkpoint with the metrics in
/// the same transaction, and finish — or stop cleanly (checkpoint + release) when asked to.
///
/// Every write checks, inside its transaction, that this worker still holds the run's lease, so a worker
/// that paused past its lease can never record anything for a run someone else has taken over.
public struct RunExecutor {
    public var store: Store
    public var queue: any RunQueue
    public var registry: MethodRegistry
    public var worker: WorkerIdentity
    public var threads: Int
    /// Raised to stop every run of the worker after its current step (SIGINT/SIGTERM).
    public var stop: StopFlag
    /// Called after every step with the run's progress (for the terminal display).
    public var onProgress: @Sendable (RunProgress) -> Void = { _ in }
    /// Sleep after each step: fault-injection tests use it to kill workers mid-run. 0 in normal use.
    public var stepDelay: Double = 0

    public init(store: Store, queue: any RunQueue, registry: MethodRegistry, worker: WorkerIdentity, threads: Int,
                stop: StopFlag) {
        self.store = store
        self.queue = queue
        self.registry = registry
        self.worker = worker
        self.threads = threads
        self.stop = stop
    }

    /// How an execution ended, from the worker's point of view.
    public enum Ending: Equatable, Sendable {
        case succeeded
        case failed(String)
        /// Stopped on request; checkpointed and given back to the queue.
        case released
        /// The lease was lost (expired and re-claimed elsewhere): nothing more was recorded.
        case leaseLost
    }

    /// Runs the claimed run to an ending and records it in the queue. `leaseLost` is raised by the heartbeat.
    public func execute(_ claim: Claim, leaseLost: StopFlag) -> Ending {
        do {
            let ending = try train(claim, leaseLost: leaseLost)
            switch ending {
            case .succeeded: try queue.complete(runID: claim.runID, worker: worker, outcome: .succeeded, now: Store.now())
            case .released: try queue.release(runID: claim.runID, worker: worker, now: Store.now())
            default: break
            }
            return ending
        } catch is QueueError {
            return .leaseLost
        } catch {
            let message = "\(error)"
            try? queue.complete(runID: claim.runID, worker: worker, outcome: .failed(message: message), now: Store.now())
            return .failed(message)
        }
    }

    private func train(_ claim: Claim, leaseLost: StopFlag) throws -> Ending {
        let config = try RunConfig(json: claim.configJSON)
        guard let method = registry[config.method] else {
            throw PermanentRunError("method '\(config.method)' is not available in this build of peftlab")
        }
        let trainer = try method.makeTrainer(config, TrainingContext(store: store, threads: threads))
        var best: Double? = nil
        var pending: [MetricRow] = []
        let runID = claim.runID

        // Resume: latest checkpoint, and forget metrics recorded after it.
        if let checkpoint = try store.write({ db -> CheckpointRecord? in
            let latest = try CheckpointRecord.latest(runID: runID, in: db)
            try MetricRow.deleteAfter(step: latest?.step ?? 0, runID: runID, in: db)
            try db.execute(sql: "UPDATE runs SET total_steps = ? WHERE id = ?", arguments: [trainer.totalSteps, runID])
            return latest
        }) {
            try trainer.restore(try CheckpointCodec.state(from: checkpoint))
            best = checkpoint.bestMetric
        }
        var state = try trainer.state()
        var lastCheckpointStep = state.step
        let clock = StepClock(startStep: state.step)

        func checkpoint(isBest: Bool) throws {
            state = try trainer.state()
            let record = try CheckpointCodec.record(runID: runID, state: state, best: best, isBest: isBest)
            let rows = pending
            try store.write { db in
                try Self.requireLease(db, runID: runID, worker: worker)
                try record.insert(keepLast: config.train("keep_last")?.intValue ?? 2, in: db)
                try MetricRow.insert(rows, in: db)
                try db.execute(sql: "UPDATE runs SET step = ? WHERE id = ?", arguments: [state.step, runID])
            }
            pending.removeAll()
            lastCheckpointStep = state.step
        }

        var step = state.step
        while step < trainer.totalSteps {
            if leaseLost.isRaised { return .leaseLost }
            if stop.isRaised {
                if step > lastCheckpointStep { try checkpoint(isBest: false) }
                return .released
            }
            let metrics = try trainer.trainStep()
            step += 1
            for (name, value) in metrics.sorted(by: { $0.key < $1.key }) {
                guard value.isFinite else { throw PermanentRunError("training metric '\(name)' is \(value) at step \(step)") }
                pending.append(MetricRow(runID: runID, step: step, split: "train", name: name, value: value))
            }
            var improved = false
            if isEvalStep(step, trainer: trainer, config: config) {
                let val = try trainer.evaluate(split: "val")
                pending += val.sorted(by: { $0.key < $1.key }).map {
                    MetricRow(runID: runID, step: step, split: "val", name: $0.key, value: $0.value)
                }
                if let value = val[config.targetMetric],
                   best.map({ config.targetHigherIsBetter ? value > $0 : value < $0 }) ?? true {
                    best = value
                    improved = true
                }
            }
            if improved || step % config.checkpointEvery == 0 || step == trainer.totalSteps {
                try checkpoint(isBest: improved)
            }
            onProgress(RunProgress(runID: runID, step: step, totalSteps: trainer.totalSteps,
                                   loss: metrics["loss"], stepsPerSecond: clock.rate(at: step)))
            if stepDelay > 0 { Thread.sleep(forTimeInterval: stepDelay) }
        }
        if leaseLost.isRaised { return .leaseLost }
        let test = try trainer.evaluate(split: "test")
        let rows = test.sorted(by: { $0.key < $1.key }).map {
            MetricRow(runID: runID, step: step, split: "test", name: $0.key, value: $0.value)
        }
        try store.write { db in
            try Self.requireLease(db, runID: runID, worker: worker)
            try MetricRow.insert(pending + rows, in: db)
        }
        return .succeeded
    }

    private func isEvalStep(_ step: Int, trainer: any Trainer, config: RunConfig) -> Bool {
        if step == trainer.totalSteps { return true }
        if config.evalEvery > 0 { return step % config.evalEvery == 0 }
        return step % max(1, trainer.stepsPerEpoch) == 0
    }

    /// Throws `QueueError.leaseLost` unless `worker` holds the run's lease (checked inside the write).
    static func requireLease(_ db: Database, runID: Int64, worker: WorkerIdentity) throws {
        let held = try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM leases WHERE run_id = ? AND worker_id = ?)",
                                     arguments: [runID, worker.id]) ?? false
        if !held { throw QueueError.leaseLost(runID: runID, worker: worker.id) }
    }
}

/// One active run's progress, for the terminal display and ETAs.
public struct RunProgress: Sendable {
    public var runID: Int64
    public var step: Int
    public var totalSteps: Int
    public var loss: Double?
    public var stepsPerSecond: Double
}

/// Measures steps per second since a run (re)started.
final class StepClock: @unchecked Sendable {
    private let start = DispatchTime.now().uptimeNanoseconds
    private let startStep: Int

    init(startStep: Int) { self.startStep = startStep }

    func rate(at step: Int) -> Double {
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        return seconds > 0 ? Double(step - startStep) / seconds : 0
    }
}

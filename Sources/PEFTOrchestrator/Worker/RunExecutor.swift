import Foundation
import PEFTCLIP
import PEFTMethods
import PEFTStore

/// Drives one claimed run: resume from its latest checkpoint, train, evaluate, checkpoint with the metrics in
/// the same transaction, and finish — or stop cleanly (checkpoint + release) when asked to.
///
/// It writes only through its `RunQueue`, whose every write checks, inside its transaction, that this claim still
/// holds the run's lease, so a worker that paused past its lease can never record anything for a run someone else
/// has taken over.
public struct RunExecutor {
    /// Where the trainer reads its dataset and features.
    public var store: Store
    /// Where every claim-bound write goes.
    public var queue: any RunQueue
    public var registry: MethodRegistry
    public var threads: Int
    /// Raised to stop every run of the worker after its current step (SIGINT/SIGTERM).
    public var stop: StopFlag
    /// Called after every step with the run's progress (for the terminal display).
    public var onProgress: @Sendable (RunProgress) -> Void = { _ in }
    /// Sleep after each step: fault-injection tests use it to kill workers mid-run. 0 in normal use.
    public var stepDelay: Double = 0

    public init(store: Store, queue: any RunQueue, registry: MethodRegistry, threads: Int, stop: StopFlag) {
        self.store = store
        self.queue = queue
        self.registry = registry
        self.threads = threads
        self.stop = stop
    }

    /// How an execution ended, from the worker's point of view.
    public enum Ending: Equatable, Sendable {
        case succeeded
        case failed(String)
        /// Stopped on request; checkpointed and given back to the queue.
        case released
        /// The user cancelled the run while it trained: nothing more was recorded.
        case cancelled
        /// The lease was lost (expired and re-claimed elsewhere): nothing more was recorded.
        case leaseLost
        /// The database refused a write that retrying cannot fix (disk full, read-only file): the worker stops.
        case storeFailed(String)
    }

    /// Runs the claimed run to an ending and records it in the queue. `leaseLost` is raised by the heartbeat.
    public func execute(_ claim: Claim, leaseLost: StopFlag) -> Ending {
        do {
            return try train(claim, leaseLost: leaseLost)
        } catch is QueueError {
            return lostEnding(claim)
        } catch let error as StoreError where StoreError.isTransient(error) {
            // The database was unreachable or kept conflicting (a PostgreSQL restart, a cut connection): not the
            // run's fault. Give the run back if the store answers again; else its lease expires and it resumes
            // from its checkpoint on whichever worker claims it next.
            return (try? queue.release(claim)) != nil ? .released : .leaseLost
        } catch let error as StoreError where error.isSQLFailure {
            // Not the run's fault: leave it to expire and be claimed by a healthy worker.
            return .storeFailed("\(error)")
        } catch {
            let message = "\(error)"
            do {
                try queue.complete(claim, outcome: .failed(message: message, permanent: error is PermanentRunError),
                                   metrics: [])
            } catch {
                return lostEnding(claim)
            }
            return .failed(message)
        }
    }

    /// Why a claim lost its lease: the user cancelled the run, or it expired and was handed on.
    private func lostEnding(_ claim: Claim) -> Ending {
        let state = try? queue.state(ofRun: claim.runID)
        return state == .cancelled ? .cancelled : .leaseLost
    }

    private func train(_ claim: Claim, leaseLost: StopFlag) throws -> Ending {
        let config = try RunConfig(json: claim.configJSON)
        let trainer = try Trainer(config: config, context: TrainingContext(store: store, threads: threads, registry: registry))
        let counts = trainer.counts
        var best: Double? = nil
        var pending: [MetricRow] = []
        let runID = claim.runID

        // Resume: latest checkpoint, and forget metrics recorded after it.
        let size = RunRecord.Size(totalSteps: trainer.totalSteps, methodParams: counts.method, headParams: counts.head,
                                  trainableParams: counts.trainable, totalParams: counts.total)
        if let checkpoint = try queue.resume(claim, size: size) {
            try trainer.restore(try CheckpointCodec.state(from: checkpoint))
            best = checkpoint.bestMetric
        }
        var state = try trainer.state()
        var lastCheckpointStep = state.step
        let clock = StepClock(startStep: state.step)

        func checkpoint(isBest: Bool) throws {
            state = try trainer.state()
            let record = try CheckpointCodec.record(runID: runID, state: state, best: best, isBest: isBest)
            try queue.record(claim, checkpoint: record, metrics: pending, keepLast: config.train.keepLast)
            pending.removeAll()
            lastCheckpointStep = state.step
        }

        var step = state.step
        while step < trainer.totalSteps {
            if leaseLost.isRaised { return lostEnding(claim) }
            if stop.isRaised {
                if step > lastCheckpointStep { try checkpoint(isBest: false) }
                try queue.release(claim)
                return .released
            }
            let metrics = try trainer.trainStep()
            step += 1
            for (name, value) in try finite(metrics, split: "train", step: step).sorted(by: { $0.key < $1.key }) {
                pending.append(MetricRow(runID: runID, step: step, split: "train", name: name, value: value))
            }
            var improved = false
            if isEvalStep(step, trainer: trainer, config: config) {
                let val = try finite(trainer.evaluate(split: "val"), split: "val", step: step)
                pending += val.sorted(by: { $0.key < $1.key }).map {
                    MetricRow(runID: runID, step: step, split: "val", name: $0.key, value: $0.value)
                }
                if let value = val[config.targetMetric],
                   best.map({ config.targetHigherIsBetter ? value > $0 : value < $0 }) ?? true {
                    best = value
                    improved = true
                }
            }
            if improved || step % config.train.checkpointEvery == 0 || step == trainer.totalSteps {
                try checkpoint(isBest: improved)
            }
            onProgress(RunProgress(runID: runID, step: step, totalSteps: trainer.totalSteps,
                                   loss: metrics["loss"], stepsPerSecond: clock.rate(at: step)))
            if stepDelay > 0 { Thread.sleep(forTimeInterval: stepDelay) }
        }
        if leaseLost.isRaised { return lostEnding(claim) }
        let (rows, predictions) = try evaluateTest(trainer, runID: runID, step: step, claim: claim)
        try queue.complete(claim, outcome: .succeeded, metrics: pending + rows, predictions: predictions)
        return .succeeded
    }

    /// Test metrics at the last step and, when the best-validation checkpoint is an earlier step, at that step too
    /// (its parameters restored), so reports can select either; with the predictions of both, stored as the run
    /// completes.
    private func evaluateTest(_ trainer: Trainer, runID: Int64, step: Int,
                              claim: Claim) throws -> (metrics: [MetricRow], predictions: [PredictionRecord]) {
        var evaluations = [(step, try trainer.evaluateWithPredictions(split: "test"))]
        if let best = try queue.bestCheckpoint(of: claim), best.step != step {
            try trainer.restore(try CheckpointCodec.state(from: best))
            evaluations.append((best.step, try trainer.evaluateWithPredictions(split: "test")))
        }
        var rows: [MetricRow] = []
        var stored: [PredictionRecord] = []
        for (at, evaluation) in evaluations {
            rows += try finite(evaluation.metrics, split: "test", step: at).sorted(by: { $0.key < $1.key }).map {
                MetricRow(runID: runID, step: at, split: "test", name: $0.key, value: $0.value)
            }
            if let predictions = evaluation.predictions {
                stored.append(PredictionRecord(runID: runID, split: "test", step: at, predictions: predictions))
            }
        }
        return (rows, stored)
    }

    /// The metrics, or a permanent error naming the first that is NaN or infinite (a diverged run).
    private func finite(_ metrics: [String: Double], split: String, step: Int) throws -> [String: Double] {
        if let bad = metrics.sorted(by: { $0.key < $1.key }).first(where: { !$0.value.isFinite }) {
            throw PermanentRunError("\(split) metric '\(bad.key)' is \(bad.value) at step \(step)")
        }
        return metrics
    }

    private func isEvalStep(_ step: Int, trainer: Trainer, config: RunConfig) -> Bool {
        if step == trainer.totalSteps { return true }
        if config.train.evalEvery > 0 { return step % config.train.evalEvery == 0 }
        return step % max(1, trainer.stepsPerEpoch) == 0
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

import Foundation

/// `RunQueue` on a PEFTLab store, either backend: `runs`, `leases` and `attempts`, one write transaction per call
/// (IMMEDIATE on SQLite; SERIALIZABLE on PostgreSQL, where claims skip runs other claimers hold).
///
/// Time is `clock.now(in:)`, read inside each transaction: on PostgreSQL leases and heartbeats run on the server's
/// clock, so workers on hosts whose clocks disagree still agree on who holds a run. Every transaction body only
/// reads and writes the database, so a backend may run it again after a serialization conflict.
public struct StoreRunQueue: RunQueue {
    public let store: Store
    public let clock: StoreClock

    public init(store: Store, clock: StoreClock = .database) {
        self.store = store
        self.clock = clock
    }

    public func claim(worker: WorkerIdentity, experiment: String?, leaseSeconds: Double) throws -> Claim? {
        try store.write { tx in
            let now = try clock.now(in: tx)
            try Self.expireLeases(now: now, in: tx)
            guard let run = try RunRecord.oldestQueued(experiment: experiment, in: tx) else { return nil }
            // The attempt number counts every claim (history); runs.attempts counts those that use up one of
            // max_attempts (a graceful release gives its claim back).
            let claim = Claim(runID: run.id, attempt: try AttemptRecord.next(runID: run.id, in: tx), worker: worker,
                              configJSON: run.configJSON, expiresAt: now + leaseSeconds)
            try RunRecord.markRunning(id: run.id, now: now, in: tx)
            try LeaseRecord(claim: claim, now: now).insert(in: tx)
            try AttemptRecord.start(claim, now: now, in: tx)
            return claim
        }
    }

    public func heartbeat(_ claim: Claim, leaseSeconds: Double, step: Int?) throws -> Bool {
        try store.write { tx in
            let now = try clock.now(in: tx)
            return try LeaseRecord.renew(claim, now: now, expiresAt: now + leaseSeconds, step: step, in: tx)
        }
    }

    public func resume(_ claim: Claim, size: RunRecord.Size) throws -> CheckpointRecord? {
        try store.write { tx in
            try LeaseRecord.require(claim, in: tx)
            let latest = try CheckpointRecord.latest(runID: claim.runID, in: tx)
            try MetricRow.deleteAfter(step: latest?.step ?? 0, runID: claim.runID, in: tx)
            try RunRecord.setSize(size, id: claim.runID, in: tx)
            return latest
        }
    }

    public func record(_ claim: Claim, checkpoint: CheckpointRecord?, metrics: [MetricRow], keepLast: Int) throws {
        try store.write { tx in
            try LeaseRecord.require(claim, in: tx)
            if var checkpoint {
                checkpoint.createdAt = try clock.now(in: tx)
                try checkpoint.insert(keepLast: keepLast, in: tx)
                try RunRecord.setStep(checkpoint.step, id: claim.runID, in: tx)
            }
            try MetricRow.insert(metrics, in: tx)
        }
    }

    public func bestCheckpoint(of claim: Claim) throws -> CheckpointRecord? {
        try store.read { tx in try CheckpointRecord.best(runID: claim.runID, in: tx) }
    }

    public func complete(_ claim: Claim, outcome: RunOutcome, metrics: [MetricRow],
                         predictions: [PredictionRecord]) throws {
        try store.write { tx in
            let now = try clock.now(in: tx)
            try Self.dropLease(claim, in: tx)
            try MetricRow.insert(metrics, in: tx)
            for record in predictions { try record.insert(in: tx, now: now) }
            let runID = claim.runID
            switch outcome {
            case .succeeded:
                try RunRecord.setOutcome(.succeeded, error: nil, finishedAt: now, id: runID, in: tx)
                try AttemptRecord.end(runID: runID, attempt: claim.attempt, outcome: .succeeded, error: nil, now: now, in: tx)
            case .failed(let message, let permanent):
                guard let run = try RunRecord.fetch(id: runID, in: tx) else {
                    throw StoreError.notFound(what: "run \(runID)")
                }
                let final = permanent || run.attempts >= run.limits.maxAttempts
                try RunRecord.setOutcome(final ? .failed : .queued, error: message, finishedAt: final ? now : nil,
                                         id: runID, in: tx)
                try AttemptRecord.end(runID: runID, attempt: claim.attempt, outcome: .failed, error: message, now: now, in: tx)
                try Event.record(tx, runID: runID, level: .error, kind: "attempt-failed",
                                 message: "attempt \(claim.attempt) failed\(permanent ? " (not retried)" : ""): \(message)",
                                 now: now)
            case .cancelled:
                try RunRecord.setState(.cancelled, finishedAt: now, id: runID, in: tx)
                try AttemptRecord.end(runID: runID, attempt: claim.attempt, outcome: .cancelled, error: nil, now: now, in: tx)
            }
        }
    }

    public func release(_ claim: Claim) throws {
        try store.write { tx in
            let now = try clock.now(in: tx)
            try Self.dropLease(claim, in: tx)
            // A released attempt was not the run's fault: it does not use up one of max_attempts.
            try RunRecord.giveBackAttempt(id: claim.runID, in: tx)
            try AttemptRecord.end(runID: claim.runID, attempt: claim.attempt, outcome: .released, error: nil, now: now, in: tx)
        }
    }

    public func state(ofRun runID: Int64) throws -> RunRecord.State? {
        try store.read { tx in try RunRecord.state(id: runID, in: tx) }
    }

    public func hasUnfinishedRuns(experiment: String?) throws -> Bool {
        try store.read { tx in try RunRecord.unfinishedCount(experiment: experiment, in: tx) > 0 }
    }

    /// Re-queues every run whose lease expired before `now`. An expiry (the worker was killed, pre-empted or lost
    /// contact) is not the run's fault: it gives back its attempt and counts in `expiries` instead, with its own
    /// limit `max_expiries`. A run whose workers died at the same step `max_same_step` times in a row is failed:
    /// it is the run that kills them (a crash no error handler sees), and it would take down every next worker.
    static func expireLeases(now: Double, in tx: any StoreTransaction) throws {
        for lease in try LeaseRecord.expired(before: now, in: tx) {
            guard let run = try RunRecord.fetch(id: lease.runID, in: tx) else { continue }
            let step = max(lease.step ?? 0, run.step)
            let sameStep = run.expiryStep == step ? run.sameStepExpiries + 1 : 1
            let expiries = run.expiries + 1
            var failure: String?
            if sameStep >= run.limits.maxSameStep {
                failure = "its worker died at step \(step) on \(sameStep) attempts in a row (killed by the run itself, e.g. a crash "
                    + "in its data or config; see the workers' stderr)"
            } else if expiries >= run.limits.maxExpiries {
                failure = "its lease expired \(expiries) times (max_expiries); workers keep dying or losing contact"
            }
            let running = run.state == .running
            let state: RunRecord.State = running ? (failure == nil ? .queued : .failed) : run.state
            try LeaseRecord.delete(runID: run.id, in: tx)
            try RunRecord.recordExpiry(id: run.id, expiries: expiries, step: step, sameStepExpiries: sameStep, state: state,
                                       failure: failure, finishedAt: running && failure != nil ? now : run.finishedAt,
                                       in: tx)
            try AttemptRecord.end(runID: run.id, attempt: lease.attempt, outcome: .expired,
                                  error: "lease expired at step \(step)", now: now, in: tx)
            try Event.record(tx, runID: run.id, level: running && failure != nil ? .error : .warning, kind: "lease-expired",
                             message: "lease of worker \(lease.workerID) on attempt \(lease.attempt) expired at step \(step)"
                                 + (failure.map { "; run failed: \($0)" } ?? ""), now: now)
        }
    }

    /// Checks that the claim holds its lease, then deletes it.
    private static func dropLease(_ claim: Claim, in tx: any StoreTransaction) throws {
        try LeaseRecord.require(claim, in: tx)
        try LeaseRecord.delete(runID: claim.runID, in: tx)
    }
}

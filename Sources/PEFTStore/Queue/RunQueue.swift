import Foundation

/// Who is working on a run: one identity per worker process, stored in its leases and attempts.
public struct WorkerIdentity: Sendable, Equatable, Codable {
    /// Unique per worker process, e.g. `host:pid:startTime`.
    public var id: String
    public var host: String
    public var pid: Int

    public init(id: String, host: String, pid: Int) {
        self.id = id
        self.host = host
        self.pid = pid
    }

    /// The identity of this process.
    public static func current() -> WorkerIdentity {
        let host = ProcessInfo.processInfo.hostName
        let pid = Int(ProcessInfo.processInfo.processIdentifier)
        let start = Int(Date().timeIntervalSince1970 * 1000)
        return WorkerIdentity(id: "\(host):\(pid):\(start)", host: host, pid: pid)
    }
}

/// A run handed to a worker: what to train, and the lease that makes it the only one training it.
///
/// The lease belongs to this exact claim (run, worker and attempt), so even two threads of one worker
/// process can never both act on a run: the one whose attempt was superseded finds its lease gone.
public struct Claim: Sendable, Equatable {
    public var runID: Int64
    /// 1 for the first claim of the run, then 2, 3, … for each later claim (after a crash, expiry, release or retry).
    public var attempt: Int
    public var worker: WorkerIdentity
    public var configJSON: String
    public var expiresAt: Double
}

/// How a claimed run ended.
public enum RunOutcome: Sendable, Equatable {
    case succeeded
    /// The run threw. It is queued again while attempts remain, else marked `failed` with the message;
    /// `permanent` failures (bad config, missing data) are marked `failed` at once.
    case failed(message: String, permanent: Bool)
    /// The user cancelled it (`peftlab cancel`): it stays cancelled.
    case cancelled
}

/// The run queue: claim the oldest claimable run under a lease, keep the lease alive, record what the run
/// produces while the lease holds, and finish it.
///
/// Every method is one transaction, and every write for a claim checks in that transaction that the claim still
/// holds its lease (else `QueueError.leaseLost`), so a worker that paused past its lease, or whose run was
/// cancelled, can never record anything. A run whose lease expired (its worker died) is claimable again with no
/// manual step; expiries count apart from the run's own errors (`max_expiries` vs `max_attempts`). Time comes from
/// the queue's `StoreClock`, read inside each transaction. Implemented on both backends by `StoreRunQueue`.
public protocol RunQueue: Sendable {
    /// Claims the oldest queued run (optionally of one experiment), or returns nil when none is claimable.
    func claim(worker: WorkerIdentity, experiment: String?, leaseSeconds: Double) throws -> Claim?
    /// Extends the claim's lease and records the step the run has reached (what an expiry reports); returns false
    /// when it is no longer held (expired and re-claimed, or cancelled).
    func heartbeat(_ claim: Claim, leaseSeconds: Double, step: Int?) throws -> Bool
    /// Prepares the claimed run to train: records its size, forgets the metrics recorded after its latest
    /// checkpoint, and returns that checkpoint (nil: train from step 0). Throws `QueueError.leaseLost`.
    func resume(_ claim: Claim, size: RunRecord.Size) throws -> CheckpointRecord?
    /// Writes a checkpoint (then the run's step is its step; all but the newest `keepLast` and the best are
    /// deleted) and metric rows, in one transaction, only while the claim holds its lease: else throws
    /// `QueueError.leaseLost` and writes nothing.
    func record(_ claim: Claim, checkpoint: CheckpointRecord?, metrics: [MetricRow], keepLast: Int) throws
    /// The claimed run's checkpoint marked best, if any.
    func bestCheckpoint(of claim: Claim) throws -> CheckpointRecord?
    /// Records the end of the attempt — with its last metric rows and predictions, in the same transaction — and
    /// drops the lease. Throws `QueueError.leaseLost` if the claim no longer holds it.
    func complete(_ claim: Claim, outcome: RunOutcome, metrics: [MetricRow], predictions: [PredictionRecord]) throws
    /// Gives the run back to the queue without counting a failure (graceful shutdown).
    func release(_ claim: Claim) throws
    /// The state of a run (why a claim lost its lease: cancelled, or handed on), nil when there is no such run.
    func state(ofRun runID: Int64) throws -> RunRecord.State?
    /// Whether any run (of the experiment, if one) is still queued or running somewhere.
    func hasUnfinishedRuns(experiment: String?) throws -> Bool
}

extension RunQueue {
    /// Records the end of the attempt with its last metric rows and no predictions.
    public func complete(_ claim: Claim, outcome: RunOutcome, metrics: [MetricRow]) throws {
        try complete(claim, outcome: outcome, metrics: metrics, predictions: [])
    }
}

/// Errors of queue operations.
public enum QueueError: Error, CustomStringConvertible, Equatable {
    /// The worker's lease on the run expired and someone else may have claimed it.
    case leaseLost(runID: Int64, worker: String)

    public var description: String {
        switch self {
        case .leaseLost(let runID, let worker):
            return "worker \(worker) no longer holds the lease on run \(runID): it expired and the run was handed on"
        }
    }
}

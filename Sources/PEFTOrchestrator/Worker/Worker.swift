import Foundation
import PEFTStore
import PEFTTensor
import PEFTMethods

/// A worker process's scheduler: up to `threads` runs at once, each on its own thread, sharing the cores.
///
/// Each thread loops: claim the oldest claimable run from its `RunQueue` (one write transaction), train it with a
/// `RunExecutor`, repeat. A heartbeat thread extends every held lease; a run whose lease is lost is abandoned
/// without another write. Setting `stop` (SIGINT/SIGTERM) makes every run checkpoint, release and return.
public final class Worker: @unchecked Sendable {
    public struct Options: Sendable {
        /// Runs trained at once.
        public var threads = 1
        /// Only claim runs of this experiment.
        public var experiment: String?
        /// Exit when nothing is queued or running (instead of waiting for new runs).
        public var untilEmpty = true
        /// Lease length; heartbeats renew it every third of it.
        public var leaseSeconds: Double = 30
        /// Pause between claims when the queue is empty.
        public var pollSeconds: Double = 0.5
        /// Cores to divide between the runs (kernel and BLAS threads per run = cores / threads).
        public var cores = ProcessInfo.processInfo.activeProcessorCount
        /// Sleep after each training step (fault-injection tests only).
        public var stepDelaySeconds: Double = 0

        public init() {}
    }

    /// What the worker did.
    public struct Summary: Sendable, Equatable {
        public var succeeded = 0
        public var failed = 0
        public var released = 0
        public var cancelled = 0
        public var leaseLost = 0
        /// Why the worker stopped early: a database error retrying cannot fix (disk full, read-only, corrupt).
        public var fatalError: String?

        public init(succeeded: Int = 0, failed: Int = 0, released: Int = 0, cancelled: Int = 0, leaseLost: Int = 0) {
            self.succeeded = succeeded
            self.failed = failed
            self.released = released
            self.cancelled = cancelled
            self.leaseLost = leaseLost
        }
    }

    /// Where the runs' data is read.
    public let store: Store
    /// Where runs are claimed and everything they record is written.
    public let queue: any RunQueue
    public let registry: MethodRegistry
    public let options: Options
    public let identity: WorkerIdentity
    public let stop = StopFlag()
    /// Called after each step of any run (from that run's thread).
    public var onProgress: @Sendable (RunProgress) -> Void = { _ in }
    /// Called when a run ends.
    public var onEnding: @Sendable (Int64, RunExecutor.Ending) -> Void = { _, _ in }

    private let lock = NSLock()
    private var held: [Int64: (claim: Claim, lost: StopFlag, step: Int?)] = [:]
    private var summary = Summary()

    /// A worker on `store`; its runs are claimed from `queue` (by default the store's own, on the database's clock).
    public init(store: Store, queue: (any RunQueue)? = nil, registry: MethodRegistry = .standard, options: Options,
                identity: WorkerIdentity = .current()) {
        self.store = store
        self.queue = queue ?? StoreRunQueue(store: store)
        self.registry = registry
        self.options = options
        self.identity = identity
    }

    /// Runs until the queue is empty (with `untilEmpty`) or `stop` is raised; returns what happened.
    public func run() -> Summary {
        let perRun = max(1, options.cores / max(1, options.threads))
        ComputeThreads.setBLASThreads(perRun)
        let heartbeat = Thread { [self] in heartbeatLoop() }
        heartbeat.start()
        let group = DispatchGroup()
        for _ in 0..<options.threads {
            group.enter()
            let thread = Thread { [self] in
                ComputeThreads.with(threads: perRun) { claimLoop() }
                group.leave()
            }
            thread.stackSize = 16 << 20
            thread.start()
        }
        group.wait()
        stop.raise()
        return lock.withLock { summary }
    }

    private func claimLoop() {
        var executor = RunExecutor(store: store, queue: queue, registry: registry,
                                   threads: max(1, options.cores / max(1, options.threads)), stop: stop)
        let report = onProgress
        executor.onProgress = { [self] progress in
            lock.withLock { held[progress.runID]?.step = progress.step }
            report(progress)
        }
        executor.stepDelay = options.stepDelaySeconds
        var backoff = options.pollSeconds
        while !stop.isRaised {
            let claim: Claim?
            do {
                claim = try queue.claim(worker: identity, experiment: options.experiment,
                                        leaseSeconds: options.leaseSeconds)
                backoff = options.pollSeconds
            } catch {
                guard StoreError.isTransient(error) else {
                    fail("cannot claim a run: \(error)")
                    return
                }
                log("claim failed (\(error)); retrying in \(String(format: "%.1f", backoff)) s")
                Thread.sleep(forTimeInterval: backoff)
                backoff = min(backoff * 2, 8)
                continue
            }
            guard let claim else {
                if options.untilEmpty && !hasUnfinishedRuns() { return }
                Thread.sleep(forTimeInterval: options.pollSeconds)
                continue
            }
            let lost = StopFlag()
            lock.withLock { held[claim.runID] = (claim, lost, nil) }
            let ending = executor.execute(claim, leaseLost: lost)
            if case .storeFailed(let message) = ending { fail("run \(claim.runID): \(message)") }
            lock.withLock {
                if held[claim.runID]?.claim == claim { held[claim.runID] = nil }
                switch ending {
                case .succeeded: summary.succeeded += 1
                case .failed: summary.failed += 1
                case .released: summary.released += 1
                case .cancelled: summary.cancelled += 1
                case .leaseLost: summary.leaseLost += 1
                case .storeFailed: break
                }
            }
            onEnding(claim.runID, ending)
        }
    }

    /// Stops the worker after a database error it cannot work around; `run()` returns it in the summary.
    private func fail(_ message: String) {
        log("stopping: \(message)")
        lock.withLock { if summary.fatalError == nil { summary.fatalError = message } }
        stop.raise()
    }

    /// One line on stderr (the worker's own problems; run errors are recorded with the run).
    private func log(_ message: String) {
        FileHandle.standardError.write(Data("worker \(identity.id): \(message)\n".utf8))
    }

    /// Whether any run (of the experiment, if one) is still queued or running somewhere.
    /// An error counts as yes: the worker polls again rather than exiting with work left.
    private func hasUnfinishedRuns() -> Bool {
        (try? queue.hasUnfinishedRuns(experiment: options.experiment)) ?? true
    }

    private func heartbeatLoop() {
        while !stop.isRaised || lock.withLock({ !held.isEmpty }) {
            Thread.sleep(forTimeInterval: min(options.leaseSeconds / 3, 1))
            let runs = lock.withLock { held }
            for (claim, lost, step) in runs.values {
                let ok = (try? queue.heartbeat(claim, leaseSeconds: options.leaseSeconds, step: step)) ?? true
                if !ok { lost.raise() }
            }
            if stop.isRaised && runs.isEmpty { return }
        }
    }
}

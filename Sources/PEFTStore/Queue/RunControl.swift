import Foundation

/// User actions on runs: cancel, retry from scratch, resume from the last checkpoint.
public struct RunControl {
    public let store: Store
    /// Where the actions' times (finish times, events) come from.
    public let clock: StoreClock

    public init(store: Store, clock: StoreClock = .database) {
        self.store = store
        self.clock = clock
    }

    /// Which runs an action applies to: explicit ids, or every run of an experiment (optionally in one state).
    public enum Selection: Sendable {
        case runs([Int64])
        case experiment(String, state: String?)
    }

    /// Cancels queued and running runs. A running run's lease is dropped, so its worker's next write fails
    /// and it stops without recording more. Returns the ids cancelled.
    public func cancel(_ selection: Selection) throws -> [Int64] {
        try store.write { tx in
            let now = try clock.now(in: tx)
            let ids = try select(selection, states: [.queued, .running], in: tx)
            for id in ids {
                try LeaseRecord.delete(runID: id, in: tx)
                try AttemptRecord.cancelOpen(runID: id, now: now, in: tx)
                try RunRecord.setState(.cancelled, finishedAt: now, id: id, in: tx)
                try Event.record(tx, runID: id, level: .info, kind: "cancelled", message: "cancelled by the user", now: now)
            }
            return ids
        }
    }

    /// Queues failed or cancelled runs again from step 0: checkpoints and metrics are deleted, attempts reset.
    public func retry(_ selection: Selection) throws -> [Int64] {
        try store.write { tx in
            let now = try clock.now(in: tx)
            let ids = try select(selection, states: [.failed, .cancelled], in: tx)
            for id in ids {
                try CheckpointRecord.deleteAll(runID: id, in: tx)
                try MetricRow.deleteAll(runID: id, in: tx)
                try PredictionRecord.deleteAll(runID: id, in: tx)
                try RunRecord.requeue(id: id, fromScratch: true, in: tx)
                try Event.record(tx, runID: id, level: .info, kind: "retried", message: "queued again from step 0", now: now)
            }
            return ids
        }
    }

    /// Queues failed or cancelled runs again; they continue from their last checkpoint.
    public func resume(_ selection: Selection) throws -> [Int64] {
        try store.write { tx in
            let now = try clock.now(in: tx)
            let ids = try select(selection, states: [.failed, .cancelled], in: tx)
            for id in ids {
                try RunRecord.requeue(id: id, fromScratch: false, in: tx)
                try Event.record(tx, runID: id, level: .info, kind: "resumed", message: "queued again from its last checkpoint",
                                 now: now)
            }
            return ids
        }
    }

    /// The selected runs that are in one of `states`.
    /// - Throws: `StoreError.notFound` for a run id or experiment that does not exist.
    private func select(_ selection: Selection, states: [RunRecord.State], in tx: any StoreTransaction) throws -> [Int64] {
        switch selection {
        case .runs(let ids):
            var stateOf: [Int64: RunRecord.State] = [:]
            for id in ids {
                guard let state = try RunRecord.state(id: id, in: tx) else { throw StoreError.notFound(what: "run \(id)") }
                stateOf[id] = state
            }
            return ids.filter { stateOf[$0].map(states.contains) ?? false }
        case .experiment(let name, let state):
            guard try ExperimentRecord.exists(name: name, in: tx) else {
                throw StoreError.notFound(what: "experiment '\(name)'")
            }
            let wanted = state.map { state in states.filter { $0.rawValue == state } } ?? states
            return try RunRecord.ids(experiment: name, states: wanted, in: tx)
        }
    }
}

import Foundation
import GRDB

/// User actions on runs: cancel, retry from scratch, resume from the last checkpoint.
public struct RunControl {
    public let store: Store

    public init(store: Store) { self.store = store }

    /// Which runs an action applies to: explicit ids, or every run of an experiment (optionally in one state).
    public enum Selection: Sendable {
        case runs([Int64])
        case experiment(String, state: String?)
    }

    /// Cancels queued and running runs. A running run's lease is dropped, so its worker's next write fails
    /// and it stops without recording more. Returns the ids cancelled.
    public func cancel(_ selection: Selection, now: Double = Store.now()) throws -> [Int64] {
        try store.grdbWrite { db in
            let ids = try select(selection, states: ["queued", "running"], db: db)
            for id in ids {
                try db.execute(sql: "DELETE FROM leases WHERE run_id = ?", arguments: [id])
                try db.execute(sql: "UPDATE attempts SET outcome = 'cancelled', ended_at = ? WHERE run_id = ? AND ended_at IS NULL",
                               arguments: [now, id])
                try db.execute(sql: "UPDATE runs SET state = 'cancelled', finished_at = ? WHERE id = ?", arguments: [now, id])
                try Event.record(db.storeTransaction, runID: id, level: .info, kind: "cancelled", message: "cancelled by the user", now: now)
            }
            return ids
        }
    }

    /// Queues failed or cancelled runs again from step 0: checkpoints and metrics are deleted, attempts reset.
    public func retry(_ selection: Selection, now: Double = Store.now()) throws -> [Int64] {
        try store.grdbWrite { db in
            let ids = try select(selection, states: ["failed", "cancelled"], db: db)
            for id in ids {
                try db.execute(sql: "DELETE FROM checkpoints WHERE run_id = ?", arguments: [id])
                try db.execute(sql: "DELETE FROM metrics WHERE run_id = ?", arguments: [id])
                try db.execute(sql: "DELETE FROM predictions WHERE run_id = ?", arguments: [id])
                try db.execute(sql: """
                    UPDATE runs SET state = 'queued', attempts = 0, step = 0, error = NULL, finished_at = NULL WHERE id = ?
                    """, arguments: [id])
                try Event.record(db.storeTransaction, runID: id, level: .info, kind: "retried", message: "queued again from step 0", now: now)
            }
            return ids
        }
    }

    /// Queues failed or cancelled runs again; they continue from their last checkpoint.
    public func resume(_ selection: Selection, now: Double = Store.now()) throws -> [Int64] {
        try store.grdbWrite { db in
            let ids = try select(selection, states: ["failed", "cancelled"], db: db)
            for id in ids {
                try db.execute(sql: "UPDATE runs SET state = 'queued', attempts = 0, error = NULL, finished_at = NULL WHERE id = ?",
                               arguments: [id])
                try Event.record(db.storeTransaction, runID: id, level: .info, kind: "resumed", message: "queued again from its last checkpoint", now: now)
            }
            return ids
        }
    }

    private func select(_ selection: Selection, states: [String], db: Database) throws -> [Int64] {
        let stateList = states.map { "'\($0)'" }.joined(separator: ",")
        switch selection {
        case .runs(let ids):
            for id in ids where try !(Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM runs WHERE id = ?)", arguments: [id]) ?? false) {
                throw StoreError.notFound(what: "run \(id)")
            }
            return try ids.filter { id in
                try Bool.fetchOne(db, sql: "SELECT state IN (\(stateList)) FROM runs WHERE id = ?", arguments: [id]) ?? false
            }
        case .experiment(let name, let state):
            guard try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM experiments WHERE name = ?)", arguments: [name]) ?? false else {
                throw StoreError.notFound(what: "experiment '\(name)'")
            }
            return try Int64.fetchAll(db, sql: """
                SELECT r.id FROM runs r JOIN experiments e ON e.id = r.experiment_id
                WHERE e.name = ? AND r.state IN (\(stateList)) AND (? IS NULL OR r.state = ?) ORDER BY r.id
                """, arguments: [name, state, state])
        }
    }
}

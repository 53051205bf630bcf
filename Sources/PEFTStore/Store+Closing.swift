import Foundation
import GRDB

extension Store {
    /// Checkpoints the WAL into the main file and truncates it (`PRAGMA wal_checkpoint(TRUNCATE)`), so the file
    /// alone is the whole database and can be copied. Waits at most `wait` seconds for other processes' readers
    /// and writers; returns false when they kept it from finishing (the WAL stays valid and a later checkpoint
    /// completes it).
    /// - Throws: `StoreError` when SQLite fails for another reason.
    @discardableResult
    public func checkpoint(wait: TimeInterval = 2) throws -> Bool {
        guard access == .readWrite, case .sqlite(let database) = backend else { return true }
        return try Store.translatingErrors(path: path) {
            try database.writeWithoutTransaction { db in
                try db.execute(sql: "PRAGMA busy_timeout = \(Int(wait * 1000))")
                defer { try? db.execute(sql: "PRAGMA busy_timeout = \(Int(Store.busyTimeout * 1000))") }
                let result = try Row.fetchOne(db, sql: "PRAGMA wal_checkpoint(TRUNCATE)")
                return (result?[0] as Int?) == 0
            }
        }
    }

    /// Closes every connection; if this store wrote anything, checkpoints the WAL first (`checkpoint`), so a
    /// command that wrote leaves no `-wal` file behind. Safe to call twice; the store cannot be used afterwards.
    public func close() {
        guard activity.markClosed() else { return }
        if activity.wrote { _ = try? checkpoint() }
        switch backend {
        case .sqlite(let database): try? database.close()
        case .postgres(let server): server.close()
        }
        StoreRegistry.shared.remove(self)
    }

    /// Closes every store this process opened and has not closed (what the CLI does on a clean exit).
    public static func closeAll() {
        for store in StoreRegistry.shared.all() { store.close() }
    }
}

/// Whether a store wrote and whether it is closed, shared by the threads using it.
final class StoreActivity: @unchecked Sendable {
    private let lock = NSLock()
    private var didWrite = false
    private var closed = false

    /// True once any write ran (or was attempted).
    var wrote: Bool { lock.withLock { didWrite } }

    func noteWrite() { lock.withLock { didWrite = true } }

    /// Marks the store closed; false when it already was.
    func markClosed() -> Bool {
        lock.withLock {
            defer { closed = true }
            return !closed
        }
    }
}

/// The stores a process has open (weakly held), so they can all be closed cleanly before exit.
final class StoreRegistry: @unchecked Sendable {
    static let shared = StoreRegistry()

    private struct Entry { weak var store: Store? }
    private let lock = NSLock()
    private var entries: [Entry] = []

    func add(_ store: Store) {
        lock.withLock {
            entries.removeAll { $0.store == nil }
            entries.append(Entry(store: store))
        }
    }

    func remove(_ store: Store) {
        lock.withLock { entries.removeAll { $0.store == nil || $0.store === store } }
    }

    func all() -> [Store] { lock.withLock { entries.compactMap(\.store) } }
}

import Foundation

/// Where the run queue and the worker read the time from.
public enum StoreClock: Sendable {
    /// The database's clock (`StoreTransaction.databaseNow`): the PostgreSQL server's, so leases agree across hosts;
    /// this machine's for SQLite.
    case database
    /// A clock the caller sets (tests drive leases and expiries with it).
    case manual(ManualClock)

    /// The current time, read inside `transaction`.
    public func now(in transaction: any StoreTransaction) throws -> Double {
        switch self {
        case .database: return try transaction.databaseNow()
        case .manual(let clock): return clock.now
        }
    }
}

/// A clock that moves only when told to.
public final class ManualClock: @unchecked Sendable {
    private let lock = NSLock()
    private var time: Double

    public init(_ time: Double = 1_000_000) { self.time = time }

    /// The time now.
    public var now: Double { lock.withLock { time } }

    /// Sets the time.
    public func set(_ newTime: Double) { lock.withLock { time = newTime } }

    /// Moves the time forward by `seconds`.
    public func advance(by seconds: Double) { lock.withLock { time += seconds } }
}

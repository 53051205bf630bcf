import Foundation

/// A thread-safe flag: set once (by a signal handler, a lost lease, or a test), read at every step.
public final class StopFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var raised = false

    public init() {}

    public var isRaised: Bool { lock.withLock { raised } }

    public func raise() { lock.withLock { raised = true } }
}

import Foundation

// Test and debugging hooks (package access: visible to PEFTLab's modules and tests, not an API).

/// Process-wide count of live graph nodes (op results holding a backward step), for tests and debugging.
package enum GraphStatistics {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var live = 0

    /// Graph nodes recorded and not yet released by `backward()` or deinitialisation.
    package static var liveNodes: Int { lock.withLock { live } }

    static func nodeRecorded() { lock.withLock { live += 1 } }
    static func nodeReleased() { lock.withLock { live -= 1 } }
}

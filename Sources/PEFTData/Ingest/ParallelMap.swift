import Dispatch

/// Runs independent work items on several threads and collects the results in order.
enum ParallelMap {
    /// `body(i)` for i in 0..<count on up to `threads` threads (work is handed out one index at a time, so slow
    /// items — big images — do not stall a fixed chunk). Returns results in index order.
    static func map<T: Sendable>(_ count: Int, threads: Int, _ body: @Sendable (Int) -> T) -> [T] {
        guard count > 0 else { return [] }
        let workers = max(1, min(threads, count))
        if workers == 1 { return (0..<count).map(body) }
        let results = ResultSlots<T>(count: count)
        let next = Counter()
        DispatchQueue.concurrentPerform(iterations: workers) { _ in
            while let index = next.take(below: count) {
                results.store(body(index), at: index)
            }
        }
        return results.values()
    }
}

/// Result slots written by distinct indices from several threads (each index exactly once), read after all
/// writers finished. The one place PEFTData shares a mutable buffer across threads.
private final class ResultSlots<T>: @unchecked Sendable {
    private let base: UnsafeMutablePointer<T?>
    private let count: Int
    init(count: Int) {
        self.count = count
        base = .allocate(capacity: count)
        base.initialize(repeating: nil, count: count)
    }
    deinit {
        base.deinitialize(count: count)
        base.deallocate()
    }
    func store(_ value: T, at index: Int) { base[index] = value }
    func values() -> [T] { (0..<count).compactMap { base[$0] } }
}

/// A locked counter handing out indices.
private final class Counter: @unchecked Sendable {
    private var value = 0
    private let lock = NSLock()
    func take(below limit: Int) -> Int? {
        lock.lock()
        defer { lock.unlock() }
        guard value < limit else { return nil }
        value += 1
        return value - 1
    }
}

import Foundation

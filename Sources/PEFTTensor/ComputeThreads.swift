import CBLAS
import Foundation

/// How many threads the engine may use: its own kernels (per calling thread) and OpenBLAS (process-wide).
///
/// Large elementwise, normalisation and softmax kernels split their work across `current` threads with
/// `DispatchQueue.concurrentPerform`. The value is thread-local: an orchestrator running two trainings on two worker
/// threads gives each `with(threads: 1)` and calls `setBLASThreads(1)` so the runs do not oversubscribe the cores.
public enum ComputeThreads {
    private static let threads = ThreadLocal<Int>(default: ProcessInfo.processInfo.activeProcessorCount)

    /// Kernel threads for ops called on this thread (default: the number of active cores).
    public static var current: Int { threads.value }

    /// Runs `body` with `threads` kernel threads on the current thread, restoring the previous count afterwards.
    public static func with<T>(threads count: Int, _ body: () throws -> T) rethrows -> T {
        precondition(count >= 1, "ComputeThreads.with: thread count must be ≥ 1, got \(count)")
        let previous = threads.value
        threads.value = count
        defer { threads.value = previous }
        return try body()
    }

    /// Sets OpenBLAS's worker count for the whole process (matmul, linear, attention products).
    public static func setBLASThreads(_ count: Int) {
        precondition(count >= 1, "ComputeThreads.setBLASThreads: thread count must be ≥ 1, got \(count)")
        openblas_set_num_threads(Int32(count))
    }

    /// OpenBLAS's current worker count.
    public static var blasThreads: Int { Int(openblas_get_num_threads()) }
}

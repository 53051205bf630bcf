#if canImport(Glibc)
import Glibc
#endif

/// Keeps glibc from returning tensor-sized buffers to the kernel after every op.
///
/// By default glibc serves a large request with a fresh `mmap` and unmaps it on free; its dynamic threshold then rises
/// to exactly the freed size, so the *next* buffer of that size is mmapped again. A training loop allocating the same
/// activation shapes every step therefore page-faults through every buffer it writes (measured: quick GELU on
/// [1600, 3072] took 14 ms with fresh pages, 2.2 ms with recycled ones). Fixing the threshold at glibc's maximum
/// (32 MiB) serves such buffers from the heap, and a high trim threshold keeps freed heap memory for reuse (up to
/// 512 MiB above what is in use), the way PyTorch's caching allocator does. Buffers above 32 MiB still come from
/// mmap. Applied once per process, on the first tensor allocation; no effect on other C libraries.
enum AllocatorTuning {
    /// Evaluated once (thread-safe `static let`); reading it applies the settings. True when glibc accepted them.
    static let applied: Bool = {
        #if canImport(Glibc)
        // <malloc.h> is not in Swift's Glibc module: look `mallopt` up by name (nil handle = RTLD_DEFAULT).
        typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
        guard let symbol = dlsym(nil, "mallopt") else { return false }
        let mallopt = unsafeBitCast(symbol, to: Mallopt.self)
        let mmapThreshold: Int32 = -3, trimThreshold: Int32 = -1  // M_MMAP_THRESHOLD, M_TRIM_THRESHOLD (glibc ABI)
        return mallopt(mmapThreshold, 32 << 20) == 1 && mallopt(trimThreshold, 512 << 20) == 1
        #else
        return false
        #endif
    }()
}

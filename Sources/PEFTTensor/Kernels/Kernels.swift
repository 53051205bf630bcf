import Foundation

/// Hot loops behind the tensor ops: raw pointers, SIMD8<Float>, wrapping index maths, work split across threads.
///
/// Callers hold the buffers (`withUnsafe…BufferPointer`) and pass base addresses; kernels never allocate tensors.
/// Everything here is internal: the safe API is `Tensor`'s.
enum Kernels {
    /// Elements below which a kernel stays on the calling thread (thread hand-off costs ≈ 10 µs).
    static let parallelGrain = 1 << 15

    /// Runs `body` over `[0, count)`, split into contiguous chunks across `ComputeThreads.current` threads when each
    /// thread gets at least `grain` items (items are rows or elements, as the caller counts them).
    @inline(__always)
    static func parallelChunks(_ count: Int, grain: Int, _ body: (Range<Int>) -> Void) {
        forEachChunk(count, chunks: chunkCount(count, grain: grain)) { _, range in body(range) }
    }

    /// How many chunks `parallelChunks` would use: 1…`ComputeThreads.current`, each with ≥ `grain` items.
    static func chunkCount(_ count: Int, grain: Int) -> Int {
        Swift.max(1, Swift.min(ComputeThreads.current, count / Swift.max(grain, 1)))
    }

    /// Runs `body(chunkIndex, range)` for `chunks` contiguous pieces of `[0, count)`, concurrently when chunks > 1
    /// (kernels that reduce into per-chunk partial buffers use the index).
    @inline(__always)
    static func forEachChunk(_ count: Int, chunks: Int, _ body: (Int, Range<Int>) -> Void) {
        guard count > 0 else { return }
        guard chunks > 1 else { body(0, 0..<count); return }
        withoutActuallyEscaping(body) { escapable in
            let work = UncheckedSendable(escapable)
            DispatchQueue.concurrentPerform(iterations: chunks) { t in
                work.value(t, (count &* t / chunks)..<(count &* (t &+ 1) / chunks))
            }
        }
    }

    /// dst[i] += src[i] for i in 0..<n.
    static func addInPlace(_ dst: UnsafeMutablePointer<Float>, _ src: UnsafePointer<Float>, _ n: Int) {
        parallelChunks(n, grain: parallelGrain) { range in
            var i = range.lowerBound
            while i &+ 8 <= range.upperBound {
                store8(load8(dst, i) + load8(src, i), dst, i)
                i &+= 8
            }
            while i < range.upperBound { dst[i] += src[i]; i &+= 1 }
        }
    }

    /// dst[i] = src[i] * s.
    static func scale(_ src: UnsafePointer<Float>, _ s: Float, _ dst: UnsafeMutablePointer<Float>, _ n: Int) {
        parallelChunks(n, grain: parallelGrain) { range in
            var i = range.lowerBound
            let vs = SIMD8<Float>(repeating: s)
            while i &+ 8 <= range.upperBound { store8(load8(src, i) * vs, dst, i); i &+= 8 }
            while i < range.upperBound { dst[i] = src[i] * s; i &+= 1 }
        }
    }

    /// Sum of src[0..<n], accumulated in 8 lanes then in Double.
    static func sum(_ src: UnsafePointer<Float>, _ n: Int) -> Float {
        var acc = SIMD8<Float>()
        var i = 0
        while i &+ 8 <= n { acc += load8(src, i); i &+= 8 }
        var total = 0.0
        for lane in 0..<8 { total += Double(acc[lane]) }
        while i < n { total += Double(src[i]); i &+= 1 }
        return Float(total)
    }
}

/// A value handed to `concurrentPerform` workers; the kernels guarantee the workers touch disjoint memory.
struct UncheckedSendable<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}

/// A pointer that may cross into `concurrentPerform` workers (each worker touches a disjoint range).
struct SendablePointer<T>: @unchecked Sendable {
    let base: UnsafeMutablePointer<T>
    init(_ base: UnsafeMutablePointer<T>) { self.base = base }
}

/// Loads 8 floats starting at p[i] (any alignment).
@inline(__always)
func load8(_ p: UnsafePointer<Float>, _ i: Int) -> SIMD8<Float> {
    UnsafeRawPointer(p + i).loadUnaligned(as: SIMD8<Float>.self)
}

@inline(__always)
func load8(_ p: UnsafeMutablePointer<Float>, _ i: Int) -> SIMD8<Float> {
    UnsafeRawPointer(p + i).loadUnaligned(as: SIMD8<Float>.self)
}

/// Stores 8 floats at p[i] (any alignment).
@inline(__always)
func store8(_ v: SIMD8<Float>, _ p: UnsafeMutablePointer<Float>, _ i: Int) {
    UnsafeMutableRawPointer(p + i).storeBytes(of: v, as: SIMD8<Float>.self)
}

/// Allocation and pointer access for `[Float]` storage without zero-filling or copy-on-write churn.

/// A new array of `count` floats whose every element `body` must write (no zero-fill pass).
func makeBuffer(_ count: Int, _ body: (UnsafeMutablePointer<Float>) -> Void) -> [Float] {
    guard count > 0 else { return [] }
    _ = AllocatorTuning.applied
    return [Float](unsafeUninitializedCapacity: count) { buffer, initialised in
        body(buffer.baseAddress!)
        initialised = count
    }
}

extension Array where Element == Float {
    /// Calls `body` with the base address (a valid dummy address when empty, never dereferenced then).
    @inline(__always)
    func withPointer<R>(_ body: (UnsafePointer<Float>) -> R) -> R {
        withUnsafeBufferPointer { buffer in
            if let base = buffer.baseAddress { return body(base) }
            var dummy: Float = 0
            return withUnsafePointer(to: &dummy) { body($0) }
        }
    }
}

/// Number of elements of `shape`.
@inline(__always)
func elementCount(_ shape: [Int]) -> Int { shape.reduce(1, *) }

/// `axis` in `0..<rank`, accepting negative axes counted from the end; precondition naming `op` otherwise.
func normalizedAxis(_ axis: Int, rank: Int, op: String) -> Int {
    let a = axis < 0 ? axis + rank : axis
    precondition(a >= 0 && a < rank, "\(op): axis \(axis) out of range for rank \(rank)")
    return a
}

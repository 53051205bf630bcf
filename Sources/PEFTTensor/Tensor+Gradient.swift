/// Gradient accumulation used by every op's backward step.
///
/// Gradients add up (`+=`): a tensor used twice receives the sum of both contributions. The helpers avoid copies:
/// the first contribution is adopted as-is, and BLAS-based backward steps write straight into the gradient buffer
/// with `beta` = 0 (fresh) or 1 (accumulate).
extension Tensor {
    /// Adds `delta` (same count as `storage`) into `grad`; the first contribution is adopted without a copy.
    func accumulateGrad(_ delta: [Float]) {
        precondition(delta.count == count, "accumulateGrad: \(delta.count) values for tensor of shape \(shape)")
        guard var g = grad, count > 0 else { grad = grad ?? delta; return }
        grad = nil  // move out so `g` is uniquely referenced and updated in place
        g.withUnsafeMutableBufferPointer { dst in
            delta.withUnsafeBufferPointer { src in Kernels.addInPlace(dst.baseAddress!, src.baseAddress!, count) }
        }
        grad = g
    }

    /// Hands `body` a gradient buffer and a `beta`: 0 when the buffer is freshly allocated and *uninitialised*
    /// (the body must overwrite every element), 1 when it already holds a gradient to add to.
    func withGradAccumulator(_ body: (_ grad: UnsafeMutablePointer<Float>, _ beta: Float) -> Void) {
        guard count > 0 else { grad = grad ?? []; return }
        if var g = grad {
            grad = nil
            g.withUnsafeMutableBufferPointer { body($0.baseAddress!, 1) }
            grad = g
        } else {
            grad = makeBuffer(count) { body($0, 0) }
        }
    }

    /// Hands `body` the gradient buffer, zero-filled when new, for backward steps that add into parts of it.
    func withGradBuffer(_ body: (_ grad: UnsafeMutablePointer<Float>) -> Void) {
        var g = grad ?? [Float](repeating: 0, count: count)
        grad = nil
        g.withUnsafeMutableBufferPointer { if $0.count > 0 { body($0.baseAddress!) } }
        grad = g
    }
}

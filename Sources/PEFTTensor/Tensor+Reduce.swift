/// Reductions: sum, mean and max over axes.
///
/// The gradient of a sum is the incoming gradient broadcast back over the reduced axes; the gradient of a max goes
/// to the first position holding the maximum.
extension Tensor {
    /// Σ over `axes` (negative axes count from the end); `keepDims` leaves them as size 1.
    /// Shapes: `[B, T, D].sum(axes: [1])` → `[B, D]`. Cost: one pass over the input.
    public func sum(axes: [Int], keepDims: Bool = false) -> Tensor {
        let reduced = Set(axes.map { normalizedAxis($0, rank: rank, op: "sum") })
        let kept = shape.indices.map { reduced.contains($0) ? 1 : shape[$0] }
        let outShape = keepDims ? kept : shape.indices.filter { !reduced.contains($0) }.map { shape[$0] }
        let values = Tensor.reduce(storage, from: shape, to: kept)
        return Tensor.result(outShape, values, op: "sum", inputs: [self]) { [self] g in
            accumulateGrad(Tensor.broadcast(g, from: kept, to: shape))
        }
    }

    /// Σ of all elements, as a rank-0 tensor.
    public func sum() -> Tensor { sum(axes: Array(0..<rank)) }

    /// Arithmetic mean over `axes`.
    public func mean(axes: [Int], keepDims: Bool = false) -> Tensor {
        let n = Set(axes.map { normalizedAxis($0, rank: rank, op: "mean") }).reduce(1) { $0 * shape[$1] }
        return sum(axes: axes, keepDims: keepDims) / Float(n)
    }

    /// Mean of all elements, as a rank-0 tensor.
    public func mean() -> Tensor { mean(axes: Array(0..<rank)) }

    /// Maximum along `axis`; the gradient flows to the (first) argmax of each slice.
    public func max(axis: Int, keepDims: Bool = false) -> Tensor {
        let a = normalizedAxis(axis, rank: rank, op: "max")
        let n = shape[a]
        precondition(n > 0, "max: axis \(axis) of shape \(shape) is empty")
        let inner = shape[(a + 1)...].reduce(1, *), outer = shape[..<a].reduce(1, *)
        var argmax = [Int](repeating: 0, count: outer * inner)
        let values = makeBuffer(outer * inner) { out in
            storage.withPointer { x in
                for o in 0..<outer {
                    for i in 0..<inner {
                        var best = x[o &* n &* inner &+ i], bestIndex = 0
                        for j in 1..<Swift.max(n, 1) where x[(o &* n &+ j) &* inner &+ i] > best {
                            best = x[(o &* n &+ j) &* inner &+ i]
                            bestIndex = j
                        }
                        out[o &* inner &+ i] = best
                        argmax[o &* inner &+ i] = bestIndex
                    }
                }
            }
        }
        var outShape = shape
        if keepDims { outShape[a] = 1 } else { outShape.remove(at: a) }
        return Tensor.result(outShape, values, op: "max", inputs: [self]) { [self] g in
            withGradBuffer { dx in
                for o in 0..<outer {
                    for i in 0..<inner { dx[(o &* n &+ argmax[o &* inner &+ i]) &* inner &+ i] += g[o &* inner &+ i] }
                }
            }
        }
    }

    /// `g` (of shape `small`) repeated to `big` (a backward step of a reduction, or `expanded(to:)`).
    static func broadcast(_ g: [Float], from small: [Int], to big: [Int]) -> [Float] {
        let count = elementCount(big)
        if count == g.count { return g }
        let plan = BroadcastPlan(outShape: big, aShape: small, bShape: big)
        return makeBuffer(count) { out in g.withPointer { Kernels.broadcastCopy(plan, $0, out) } }
    }
}

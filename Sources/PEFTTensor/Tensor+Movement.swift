/// Shape changes: reshape (free), permute/transpose (one strided copy), broadcast, squeeze/unsqueeze.
extension Tensor {
    /// Same values under a new shape with the same element count; one dimension may be −1 (inferred).
    /// Cost: none (the storage buffer is shared copy-on-write).
    public func reshaped(_ newShape: [Int]) -> Tensor {
        var resolved = newShape
        let unknown = newShape.indices.filter { newShape[$0] == -1 }
        precondition(unknown.count <= 1, "reshaped: more than one -1 in \(newShape)")
        if let i = unknown.first {
            let known = newShape.filter { $0 != -1 }.reduce(1, *)
            precondition(known > 0 && count % known == 0, "reshaped: cannot reshape \(shape) to \(newShape)")
            resolved[i] = count / known
        }
        precondition(elementCount(resolved) == count, "reshaped: cannot reshape \(shape) (\(count) values) to \(newShape)")
        if resolved == shape { return self }
        return Tensor.result(resolved, storage, op: "reshape", inputs: [self]) { [self] g in accumulateGrad(g) }
    }

    /// Reorders axes: result axis i is input axis `axes[i]`. `[B, T, H, D].permuted([0, 2, 1, 3])` → `[B, H, T, D]`.
    /// Cost: one strided copy.
    public func permuted(_ axes: [Int]) -> Tensor {
        let axes = axes.map { normalizedAxis($0, rank: rank, op: "permuted") }
        precondition(axes.count == rank && Set(axes).count == rank, "permuted: \(axes) is not a permutation of \(rank) axes")
        if axes == Array(0..<rank) { return self }
        let outShape = axes.map { shape[$0] }
        let values = makeBuffer(count) { out in storage.withPointer { Kernels.permute($0, shape: shape, axes: axes, out) } }
        var inverse = [Int](repeating: 0, count: rank)
        for (i, a) in axes.enumerated() { inverse[a] = i }
        return Tensor.result(outShape, values, op: "permute", inputs: [self]) { [self] g in
            accumulateGrad(makeBuffer(count) { dx in g.withPointer { Kernels.permute($0, shape: outShape, axes: inverse, dx) } })
        }
    }

    /// Swaps two axes (a permutation with one copy).
    public func transposed(_ a: Int, _ b: Int) -> Tensor {
        var axes = Array(0..<rank)
        axes.swapAt(normalizedAxis(a, rank: rank, op: "transposed"), normalizedAxis(b, rank: rank, op: "transposed"))
        return permuted(axes)
    }

    /// Repeats size-1 (or missing leading) axes up to `newShape` (numpy broadcasting); backward sums them back.
    public func expanded(to newShape: [Int]) -> Tensor {
        precondition(broadcastShape(shape, newShape, op: "expanded") == newShape,
                     "expanded: cannot expand \(shape) to \(newShape)")
        if newShape == shape { return self }
        let values = Tensor.broadcast(storage, from: shape, to: newShape)
        return Tensor.result(newShape, values, op: "expand", inputs: [self]) { [self] g in
            accumulateGrad(Tensor.reduce(g, from: newShape, to: shape))
        }
    }

    /// Removes axis `axis`, which must have size 1.
    public func squeezed(axis: Int) -> Tensor {
        let a = normalizedAxis(axis, rank: rank, op: "squeezed")
        precondition(shape[a] == 1, "squeezed: axis \(axis) of \(shape) has size \(shape[a]), expected 1")
        var s = shape
        s.remove(at: a)
        return reshaped(s)
    }

    /// Inserts a size-1 axis at position `axis` (0...rank; negative counts from the end of the result).
    public func unsqueezed(axis: Int) -> Tensor {
        let a = normalizedAxis(axis, rank: rank + 1, op: "unsqueezed")
        var s = shape
        s.insert(1, at: a)
        return reshaped(s)
    }

    /// Collapses all axes into one.
    public func flattened() -> Tensor { reshaped([count]) }
}

/// Strided copies: axis permutations (transposes) of contiguous tensors.
extension Kernels {
    /// dst = src with axes reordered: dst's axis i is src's axis `axes[i]`.
    ///
    /// Axes that stay adjacent are merged first, so `[B, T, H, Dh] → [B, H, T, Dh]` copies runs of Dh floats; when the
    /// innermost output axis is strided in the source (a true transpose), 8 × 8 tiles keep both sides in cache.
    static func permute(_ src: UnsafePointer<Float>, shape: [Int], axes: [Int], _ dst: UnsafeMutablePointer<Float>) {
        var srcStrides = [Int](repeating: 1, count: shape.count)
        for i in stride(from: shape.count - 2, through: 0, by: -1) { srcStrides[i] = srcStrides[i + 1] &* shape[i + 1] }
        var dims: [Int] = [], strides: [Int] = []
        for axis in axes where shape[axis] != 1 {
            if let last = strides.last, last == srcStrides[axis] &* shape[axis] {
                dims[dims.count - 1] &*= shape[axis]
                strides[strides.count - 1] = srcStrides[axis]
            } else {
                dims.append(shape[axis]); strides.append(srcStrides[axis])
            }
        }
        let count = shape.reduce(1, *)
        guard count > 0 else { return }
        if dims.count <= 1 || strides[strides.count - 1] == 1 {
            let plan = BroadcastPlan(dims: dims, aStrides: strides, bStrides: strides.map { _ in 0 })
            let inner = plan.inner
            parallelChunks(plan.rows, grain: Swift.max(1, parallelGrain / Swift.max(inner, 1))) { range in
                plan.forEachRow(in: range) { row, offset, _ in (dst + row &* inner).update(from: src + offset, count: inner) }
            }
            return
        }
        // Transpose of the last two merged axes [R, C], looped over the outer ones.
        let rowsR = dims[dims.count - 2], cols = dims[dims.count - 1]
        let strideR = strides[strides.count - 2], strideC = strides[strides.count - 1]
        let outer = BroadcastPlan(dims: Array(dims.dropLast(2)) + [1], aStrides: Array(strides.dropLast(2)) + [0],
                                  bStrides: [Int](repeating: 0, count: dims.count - 1))
        let tileRows = (rowsR + 7) / 8
        parallelChunks(outer.rows &* tileRows, grain: Swift.max(1, parallelGrain / Swift.max(8 &* cols, 1))) { range in
            for job in range {
                let o = job / tileRows, r0 = (job % tileRows) &* 8
                outer.forEachRow(in: o..<(o &+ 1)) { _, base, _ in
                    let s = src + base, d = dst + o &* rowsR &* cols
                    let r1 = Swift.min(r0 &+ 8, rowsR)
                    var c0 = 0
                    while c0 < cols {
                        let c1 = Swift.min(c0 &+ 8, cols)
                        for r in r0..<r1 {
                            for c in c0..<c1 { d[r &* cols &+ c] = s[r &* strideR &+ c &* strideC] }
                        }
                        c0 &+= 8
                    }
                }
            }
        }
    }
}

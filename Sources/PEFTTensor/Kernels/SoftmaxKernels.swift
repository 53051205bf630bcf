import Foundation

/// Fused, numerically stable softmax and log-softmax over contiguous rows.
extension Kernels {
    /// y = exp(x − max) / Σ exp(x − max) per row of length n. A row that is entirely −∞ gives zeros.
    static func softmaxRows(_ x: UnsafePointer<Float>, rows: Int, n: Int, _ y: UnsafeMutablePointer<Float>) {
        parallelChunks(rows, grain: Swift.max(1, parallelGrain / Swift.max(n, 1))) { range in
            for r in range { softmaxRow(x + r &* n, n, y + r &* n) }
        }
    }

    /// One row of `softmaxRows` (also used in place by attention: x may equal y).
    @inline(__always)
    static func softmaxRow(_ x: UnsafePointer<Float>, _ n: Int, _ y: UnsafeMutablePointer<Float>) {
        let m = rowMax(x, n)
        guard m > -.infinity else { y.update(repeating: 0, count: n); return }
        let vm = SIMD8<Float>(repeating: m)
        var acc = SIMD8<Float>()
        var i = 0
        while i &+ 8 <= n { let e = VectorMath.exp(load8(x, i) - vm); store8(e, y, i); acc += e; i &+= 8 }
        var total = acc.sum()
        while i < n { let e = VectorMath.exp(SIMD8(repeating: x[i] - m))[0]; y[i] = e; total += e; i &+= 1 }
        let inv = SIMD8<Float>(repeating: 1 / total)
        i = 0
        while i &+ 8 <= n { store8(load8(y, i) * inv, y, i); i &+= 8 }
        while i < n { y[i] *= inv[0]; i &+= 1 }
    }

    /// dx = y·(g − Σ g·y) per row (`dx` may alias g).
    static func softmaxBackwardRows(_ y: UnsafePointer<Float>, _ g: UnsafePointer<Float>, rows: Int, n: Int,
                                    _ dx: UnsafeMutablePointer<Float>) {
        parallelChunks(rows, grain: Swift.max(1, parallelGrain / Swift.max(n, 1))) { range in
            for r in range { softmaxBackwardRow(y + r &* n, g + r &* n, n, dx + r &* n) }
        }
    }

    @inline(__always)
    static func softmaxBackwardRow(_ y: UnsafePointer<Float>, _ g: UnsafePointer<Float>, _ n: Int,
                                   _ dx: UnsafeMutablePointer<Float>) {
        var acc = SIMD8<Float>()
        var i = 0
        while i &+ 8 <= n { acc += load8(y, i) * load8(g, i); i &+= 8 }
        var dot = acc.sum()
        while i < n { dot += y[i] * g[i]; i &+= 1 }
        let vd = SIMD8<Float>(repeating: dot)
        i = 0
        while i &+ 8 <= n { store8(load8(y, i) * (load8(g, i) - vd), dx, i); i &+= 8 }
        while i < n { dx[i] = y[i] * (g[i] - dot); i &+= 1 }
    }

    /// y = x − max − log Σ exp(x − max) per row.
    static func logSoftmaxRows(_ x: UnsafePointer<Float>, rows: Int, n: Int, _ y: UnsafeMutablePointer<Float>) {
        parallelChunks(rows, grain: Swift.max(1, parallelGrain / Swift.max(n, 1))) { range in
            for r in range {
                let row = x + r &* n, out = y + r &* n
                let shift = rowMax(row, n) + logSumExpShifted(row, n, rowMax(row, n))
                var i = 0
                let vs = SIMD8<Float>(repeating: shift)
                while i &+ 8 <= n { store8(load8(row, i) - vs, out, i); i &+= 8 }
                while i < n { out[i] = row[i] - shift; i &+= 1 }
            }
        }
    }

    /// dx = g − softmax·Σ g per row, from the log-softmax output y.
    static func logSoftmaxBackwardRows(_ y: UnsafePointer<Float>, _ g: UnsafePointer<Float>, rows: Int, n: Int,
                                       _ dx: UnsafeMutablePointer<Float>) {
        parallelChunks(rows, grain: Swift.max(1, parallelGrain / Swift.max(n, 1))) { range in
            for r in range {
                let yr = y + r &* n, gr = g + r &* n, out = dx + r &* n
                let vs = SIMD8<Float>(repeating: sum(gr, n))
                var i = 0
                while i &+ 8 <= n { store8(load8(gr, i) - VectorMath.exp(load8(yr, i)) * vs, out, i); i &+= 8 }
                while i < n { out[i] = gr[i] - VectorMath.exp(SIMD8(repeating: yr[i]))[0] * vs[0]; i &+= 1 }
            }
        }
    }

    /// max of a row (−∞ for an empty row).
    @inline(__always)
    static func rowMax(_ x: UnsafePointer<Float>, _ n: Int) -> Float {
        var vmax = SIMD8<Float>(repeating: -.infinity)
        var i = 0
        while i &+ 8 <= n { let v = load8(x, i); vmax.replace(with: v, where: v .> vmax); i &+= 8 }
        var m = vmax.max()
        while i < n { if x[i] > m { m = x[i] }; i &+= 1 }
        return m
    }

    /// log Σ exp(x − m) for a row whose max is m.
    @inline(__always)
    static func logSumExpShifted(_ x: UnsafePointer<Float>, _ n: Int, _ m: Float) -> Float {
        let vm = SIMD8<Float>(repeating: m)
        var acc = SIMD8<Float>()
        var i = 0
        while i &+ 8 <= n { acc += VectorMath.exp(load8(x, i) - vm); i &+= 8 }
        var total = acc.sum()
        while i < n { total += VectorMath.exp(SIMD8(repeating: x[i] - m))[0]; i &+= 1 }
        return Foundation.log(total)
    }
}

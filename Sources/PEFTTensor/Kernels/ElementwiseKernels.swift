/// Elementwise loops: broadcast binary ops, broadcast copy, reduction to a broadcast shape, and SIMD maps.
extension Kernels {
    /// The arithmetic binary operators.
    enum BinaryOp { case add, subtract, multiply, divide }

    /// out = a ∘ b over `plan` (out is contiguous, `plan.count` elements).
    static func binary(_ op: BinaryOp, _ plan: BroadcastPlan, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>,
                       _ out: UnsafeMutablePointer<Float>) {
        switch op {
        case .add: broadcastZip(plan, a, b, out, Add())
        case .subtract: broadcastZip(plan, a, b, out, Subtract())
        case .multiply: broadcastZip(plan, a, b, out, Multiply())
        case .divide: broadcastZip(plan, a, b, out, Divide())
        }
    }

    /// The shared loop of `binary`: runs of `plan.inner` elements, each operand contiguous or repeated.
    static func broadcastZip<F: Lanewise2>(_ plan: BroadcastPlan, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>,
                                          _ out: UnsafeMutablePointer<Float>, _ f: F) {
        let inner = plan.inner
        let sa = plan.aStrides[plan.aStrides.count - 1], sb = plan.bStrides[plan.bStrides.count - 1]
        parallelChunks(plan.rows, grain: Swift.max(1, parallelGrain / Swift.max(inner, 1))) { range in
            plan.forEachRow(in: range) { row, offA, offB in
                let o = out + row &* inner, pa = a + offA, pb = b + offB
                var i = 0
                if sa == 1 && sb == 1 {
                    while i &+ 8 <= inner { store8(f(load8(pa, i), load8(pb, i)), o, i); i &+= 8 }
                    while i < inner { o[i] = f(SIMD8(repeating: pa[i]), SIMD8(repeating: pb[i]))[0]; i &+= 1 }
                } else if sa == 1 {
                    let vb = SIMD8<Float>(repeating: pb[0])
                    while i &+ 8 <= inner { store8(f(load8(pa, i), vb), o, i); i &+= 8 }
                    while i < inner { o[i] = f(SIMD8(repeating: pa[i]), vb)[0]; i &+= 1 }
                } else if sb == 1 {
                    let va = SIMD8<Float>(repeating: pa[0])
                    while i &+ 8 <= inner { store8(f(va, load8(pb, i)), o, i); i &+= 8 }
                    while i < inner { o[i] = f(va, SIMD8(repeating: pb[i]))[0]; i &+= 1 }
                } else {
                    let v = f(SIMD8(repeating: pa[0]), SIMD8(repeating: pb[0]))[0]
                    while i < inner { o[i] = v; i &+= 1 }
                }
            }
        }
    }

    /// out (shape of the plan's output) = src broadcast; `plan` built with aShape = src shape.
    static func broadcastCopy(_ plan: BroadcastPlan, _ src: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>) {
        let inner = plan.inner
        let sa = plan.aStrides[plan.aStrides.count - 1]
        parallelChunks(plan.rows, grain: Swift.max(1, parallelGrain / Swift.max(inner, 1))) { range in
            plan.forEachRow(in: range) { row, offA, _ in
                let o = out + row &* inner
                if sa == 1 {
                    o.update(from: src + offA, count: inner)
                } else {
                    o.update(repeating: src[offA], count: inner)
                }
            }
        }
    }

    /// dst (the small shape) = Σ of src (the big shape) over the axes that `plan` broadcasts; `plan` built with
    /// outShape = src shape, aShape = dst shape. Single-threaded (many source runs add into one destination).
    static func reduceToShape(_ plan: BroadcastPlan, _ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>,
                              dstCount: Int) {
        dst.update(repeating: 0, count: dstCount)
        let inner = plan.inner
        let sd = plan.aStrides[plan.aStrides.count - 1]
        plan.forEachRow(in: 0..<plan.rows) { row, offD, _ in
            let s = src + row &* inner, d = dst + offD
            if sd == 1 {
                var i = 0
                while i &+ 8 <= inner { store8(load8(d, i) + load8(s, i), d, i); i &+= 8 }
                while i < inner { d[i] += s[i]; i &+= 1 }
            } else {
                d[0] += sum(s, inner)
            }
        }
    }

    /// out[i] = f(x[i]).
    static func map<F: Lanewise1>(_ x: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, _ n: Int, _ f: F) {
        parallelChunks(n, grain: parallelGrain) { range in
            var i = range.lowerBound
            while i &+ 8 <= range.upperBound { store8(f(load8(x, i)), out, i); i &+= 8 }
            while i < range.upperBound { out[i] = f(SIMD8(repeating: x[i]))[0]; i &+= 1 }
        }
    }

    /// out[i] = f(x[i], y[i]) (e.g. a backward step from the input or output and the incoming gradient).
    static func map2<F: Lanewise2>(_ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>,
                                   _ n: Int, _ f: F) {
        parallelChunks(n, grain: parallelGrain) { range in
            var i = range.lowerBound
            while i &+ 8 <= range.upperBound { store8(f(load8(x, i), load8(y, i)), out, i); i &+= 8 }
            while i < range.upperBound { out[i] = f(SIMD8(repeating: x[i]), SIMD8(repeating: y[i]))[0]; i &+= 1 }
        }
    }

    /// out[i] = f(x[i], y[i], z[i]).
    static func map3<F: Lanewise3>(_ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, _ z: UnsafePointer<Float>,
                                   _ out: UnsafeMutablePointer<Float>, _ n: Int, _ f: F) {
        parallelChunks(n, grain: parallelGrain) { range in
            var i = range.lowerBound
            while i &+ 8 <= range.upperBound { store8(f(load8(x, i), load8(y, i), load8(z, i)), out, i); i &+= 8 }
            while i < range.upperBound {
                out[i] = f(SIMD8(repeating: x[i]), SIMD8(repeating: y[i]), SIMD8(repeating: z[i]))[0]
                i &+= 1
            }
        }
    }
}

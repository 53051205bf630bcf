/// Layer normalisation and L2 normalisation (fused kernels with hand-written backward).
extension Tensor {
    /// Normalises each vector along the last axis to zero mean and unit variance (biased variance, as torch), then
    /// scales by `weight` and shifts by `bias` (both `[D]`, optional). Shapes: `[.., D] → [.., D]`.
    /// Cost: two reads and one write forward; backward keeps only per-row mean and 1/σ besides the input.
    public func layerNorm(weight: Tensor?, bias: Tensor?, eps: Float) -> Tensor {
        precondition(rank >= 1, "layerNorm: input must have rank ≥ 1, got \(shape)")
        let d = shape[rank - 1]
        if let weight { precondition(weight.shape == [d], "layerNorm: weight \(weight.shape) ≠ [\(d)] for input \(shape)") }
        if let bias { precondition(bias.shape == [d], "layerNorm: bias \(bias.shape) ≠ [\(d)] for input \(shape)") }
        let rows = count / Swift.max(d, 1)
        var mean = [Float](repeating: 0, count: rows), rstd = [Float](repeating: 0, count: rows)
        let x = self
        let values = makeBuffer(count) { y in
            x.storage.withPointer { px in
                withOptionalPointer(weight) { pw in withOptionalPointer(bias) { pb in
                    mean.withUnsafeMutableBufferPointer { pm in rstd.withUnsafeMutableBufferPointer { pr in
                        Kernels.layerNormForward(px, rows: rows, d: d, eps: eps, weight: pw, bias: pb, y,
                                                 mean: pm.baseAddress!, rstd: pr.baseAddress!)
                    } }
                } }
            }
        }
        let inputs = [x] + [weight, bias].compactMap { $0 }
        return Tensor.result(shape, values, op: "layer_norm", inputs: inputs) { g in
            let (dx, dw, db) = Tensor.layerNormGradients(x: x, g: g, mean: mean, rstd: rstd, weight: weight, bias: bias)
            if let dx { x.accumulateGrad(dx) }
            if let dw, let weight { weight.accumulateGrad(dw) }
            if let db, let bias { bias.accumulateGrad(db) }
        }
    }

    /// The fused layer-norm backward: dx when x requires grad, dw and db when the parameters do (nil otherwise).
    private static func layerNormGradients(x: Tensor, g: [Float], mean: [Float], rstd: [Float], weight: Tensor?,
                                           bias: Tensor?) -> (dx: [Float]?, dw: [Float]?, db: [Float]?) {
        let d = x.shape[x.rank - 1], rows = mean.count
        var dw = weight?.requiresGrad == true ? [Float](repeating: 0, count: d) : nil
        var db = bias?.requiresGrad == true ? [Float](repeating: 0, count: d) : nil
        func run(_ dx: UnsafeMutablePointer<Float>?) {
            x.storage.withPointer { px in g.withPointer { pg in mean.withPointer { pm in rstd.withPointer { pr in
                withOptionalPointer(weight) { pw in withOptionalMutable(&dw) { pdw in withOptionalMutable(&db) { pdb in
                    Kernels.layerNormBackward(px, pg, rows: rows, d: d, mean: pm, rstd: pr, weight: pw, dx: dx, dw: pdw, db: pdb)
                } } }
            } } } }
        }
        var dx: [Float]? = nil
        if x.requiresGrad { dx = makeBuffer(x.count) { run($0) } } else { run(nil) }
        return (dx, dw, db)
    }

    /// x / max(‖x‖₂, eps) along `axis` (torch `F.normalize`). Backward: (g − y·⟨g, y⟩) / ‖x‖ where ‖x‖ > eps.
    public func l2Normalized(axis: Int, eps: Float = 1e-12) -> Tensor {
        let a = normalizedAxis(axis, rank: rank, op: "l2Normalized")
        if a != rank - 1 { return transposed(a, -1).l2Normalized(axis: -1, eps: eps).transposed(a, -1) }
        let d = shape[rank - 1], rows = count / Swift.max(d, 1)
        var norms = [Float](repeating: 0, count: rows)
        let values = makeBuffer(count) { y in
            storage.withPointer { x in
                for r in 0..<rows {
                    var s: Float = 0
                    for i in 0..<d { s += x[r &* d &+ i] * x[r &* d &+ i] }
                    let n = Swift.max(s.squareRoot(), eps)
                    norms[r] = n
                    for i in 0..<d { y[r &* d &+ i] = x[r &* d &+ i] / n }
                }
            }
        }
        return Tensor.result(shape, values, op: "l2_normalize", inputs: [self]) { [self] g in
            accumulateGrad(makeBuffer(count) { dx in
                for r in 0..<rows {
                    let n = norms[r]
                    var dot: Float = 0
                    for i in 0..<d { dot += g[r &* d &+ i] * values[r &* d &+ i] }
                    let clamped = n <= eps  // the norm was clamped: y = x / eps, a linear map
                    for i in 0..<d {
                        let j = r &* d &+ i
                        dx[j] = clamped ? g[j] / eps : (g[j] - values[j] * dot) / n
                    }
                }
            })
        }
    }
}

/// Calls `body` with the tensor's base address, or nil for an absent tensor.
func withOptionalPointer<R>(_ t: Tensor?, _ body: (UnsafePointer<Float>?) -> R) -> R {
    guard let t else { return body(nil) }
    return t.storage.withPointer { body($0) }
}

/// Calls `body` with the array's mutable base address, or nil when absent.
func withOptionalMutable<R>(_ a: inout [Float]?, _ body: (UnsafeMutablePointer<Float>?) -> R) -> R {
    guard var values = a else { return body(nil) }
    a = nil
    defer { a = values }
    return values.withUnsafeMutableBufferPointer { body($0.baseAddress) }
}

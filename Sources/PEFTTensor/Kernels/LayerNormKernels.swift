/// Fused layer normalisation over the last axis: y = (x − μ)·σ⁻¹·w + b per row, σ = √(var + eps).
extension Kernels {
    /// Normalises `rows` rows of length `d`; writes y and each row's mean and 1/σ (kept for backward).
    static func layerNormForward(_ x: UnsafePointer<Float>, rows: Int, d: Int, eps: Float,
                                 weight: UnsafePointer<Float>?, bias: UnsafePointer<Float>?,
                                 _ y: UnsafeMutablePointer<Float>, mean: UnsafeMutablePointer<Float>,
                                 rstd: UnsafeMutablePointer<Float>) {
        parallelChunks(rows, grain: Swift.max(1, parallelGrain / Swift.max(d, 1))) { range in
            for r in range {
                let row = x + r &* d, out = y + r &* d
                let mu = sum(row, d) / Float(d)
                let vmu = SIMD8<Float>(repeating: mu)
                var acc = SIMD8<Float>()
                var i = 0
                while i &+ 8 <= d { let c = load8(row, i) - vmu; acc += c * c; i &+= 8 }
                var variance = acc.sum()
                while i < d { let c = row[i] - mu; variance += c * c; i &+= 1 }
                let inv = 1 / (variance / Float(d) + eps).squareRoot()
                mean[r] = mu
                rstd[r] = inv
                let vinv = SIMD8<Float>(repeating: inv)
                i = 0
                switch (weight, bias) {
                case let (w?, b?):
                    while i &+ 8 <= d { store8((load8(row, i) - vmu) * vinv * load8(w, i) + load8(b, i), out, i); i &+= 8 }
                    while i < d { out[i] = (row[i] - mu) * inv * w[i] + b[i]; i &+= 1 }
                case let (w?, nil):
                    while i &+ 8 <= d { store8((load8(row, i) - vmu) * vinv * load8(w, i), out, i); i &+= 8 }
                    while i < d { out[i] = (row[i] - mu) * inv * w[i]; i &+= 1 }
                case let (nil, b?):
                    while i &+ 8 <= d { store8((load8(row, i) - vmu) * vinv + load8(b, i), out, i); i &+= 8 }
                    while i < d { out[i] = (row[i] - mu) * inv + b[i]; i &+= 1 }
                case (nil, nil):
                    while i &+ 8 <= d { store8((load8(row, i) - vmu) * vinv, out, i); i &+= 8 }
                    while i < d { out[i] = (row[i] - mu) * inv; i &+= 1 }
                }
            }
        }
    }

    /// dx = σ⁻¹·(ĝ − mean(ĝ) − x̂·mean(ĝ·x̂)) with ĝ = g·w; dw += Σ g·x̂ and db += Σ g over rows (when requested).
    /// `dx` may be nil (input frozen); a nil weight means w = 1. Threads reduce dw/db into per-chunk partials, summed
    /// in chunk order at the end.
    static func layerNormBackward(_ x: UnsafePointer<Float>, _ g: UnsafePointer<Float>, rows: Int, d: Int,
                                  mean: UnsafePointer<Float>, rstd: UnsafePointer<Float>, weight: UnsafePointer<Float>?,
                                  dx: UnsafeMutablePointer<Float>?, dw: UnsafeMutablePointer<Float>?,
                                  db: UnsafeMutablePointer<Float>?) {
        let chunks = chunkCount(rows, grain: Swift.max(1, parallelGrain / Swift.max(d, 1)))
        var partials = [Float](repeating: 0, count: chunks * 2 * d)
        let ones = weight == nil ? [Float](repeating: 1, count: d) : []
        ones.withPointer { onesPointer in
            partials.withUnsafeMutableBufferPointer { buffer in
                let part = SendablePointer(buffer.baseAddress!), w = weight ?? onesPointer
                forEachChunk(rows, chunks: chunks) { chunk, range in
                    let pw = part.base + chunk &* 2 &* d
                    for r in range {
                        layerNormBackwardRow(x + r &* d, g + r &* d, d: d, mean: mean[r], rstd: rstd[r], weight: w,
                                             dx: dx.map { $0 + r &* d }, dw: pw, db: pw + d)
                    }
                }
                for chunk in 0..<chunks {
                    let pw = buffer.baseAddress! + chunk &* 2 &* d
                    if let dw { addInPlace(dw, pw, d) }
                    if let db { addInPlace(db, pw + d, d) }
                }
            }
        }
    }

    /// One row of `layerNormBackward`, adding into the chunk's partial dw/db.
    @inline(__always)
    private static func layerNormBackwardRow(_ row: UnsafePointer<Float>, _ gr: UnsafePointer<Float>, d: Int, mean: Float,
                                             rstd: Float, weight w: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>?,
                                             dw: UnsafeMutablePointer<Float>, db: UnsafeMutablePointer<Float>) {
        let vmu = SIMD8<Float>(repeating: mean), vinv = SIMD8<Float>(repeating: rstd)
        var sumG = SIMD8<Float>(), sumGX = SIMD8<Float>()
        var i = 0
        while i &+ 8 <= d {
            let xhat = (load8(row, i) - vmu) * vinv, gv = load8(gr, i)
            let gw = gv * load8(w, i)
            sumG += gw
            sumGX += gw * xhat
            store8(load8(dw, i) + gv * xhat, dw, i)
            store8(load8(db, i) + gv, db, i)
            i &+= 8
        }
        var c2 = sumG.sum(), c1 = sumGX.sum()
        while i < d {
            let xhat = (row[i] - mean) * rstd, gw = gr[i] * w[i]
            c2 += gw
            c1 += gw * xhat
            dw[i] += gr[i] * xhat
            db[i] += gr[i]
            i &+= 1
        }
        guard let dx else { return }
        c1 /= Float(d)
        c2 /= Float(d)
        let vc1 = SIMD8<Float>(repeating: c1), vc2 = SIMD8<Float>(repeating: c2)
        i = 0
        while i &+ 8 <= d {
            let xhat = (load8(row, i) - vmu) * vinv
            store8(vinv * (load8(gr, i) * load8(w, i) - vc2 - xhat * vc1), dx, i)
            i &+= 8
        }
        while i < d {
            dx[i] = rstd * (gr[i] * w[i] - c2 - (row[i] - mean) * rstd * c1)
            i &+= 1
        }
    }
}

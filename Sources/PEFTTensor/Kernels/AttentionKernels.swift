/// Fused scaled-dot-product attention: one GEMM pair per (batch, head), softmax in between, no [B, H, T, T] temporaries
/// besides the probabilities that backward needs.
extension Kernels {
    /// Sizes of an attention call: q [B, H, Tq, Dh], k and v [B, H, Tk, Dh].
    struct AttentionSizes {
        let batchHeads: Int, heads: Int, tq: Int, tk: Int, dh: Int
        var qSize: Int { tq &* dh }
        var kSize: Int { tk &* dh }
        var pSize: Int { tq &* tk }
    }

    /// An additive mask broadcast over [B, H, Tq, Tk]: base pointer and its strides (0 on broadcast axes).
    struct AttentionMask {
        let values: UnsafePointer<Float>
        let strides: [Int]  // b, h, i, j
    }

    /// Runs `body(bh)` for every (batch, head); concurrently when each product is below OpenBLAS's own threading
    /// threshold (≈ 2.6·10⁵ multiply-adds), serially otherwise so OpenBLAS threads the bigger products itself.
    static func forEachHead(_ s: AttentionSizes, _ body: (Int) -> Void) {
        let work = s.tq &* s.tk &* s.dh
        let chunks = work < 200_000 ? chunkCount(s.batchHeads, grain: 1) : 1
        forEachChunk(s.batchHeads, chunks: chunks) { _, range in for bh in range { body(bh) } }
    }

    /// P = softmax(scale·Q·Kᵀ + mask) (kept in `probs`, [B·H, Tq, Tk]) and O = P·V.
    static func attentionForward(q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>,
                                 mask: AttentionMask?, sizes s: AttentionSizes, scale: Float,
                                 probs: UnsafeMutablePointer<Float>, out: UnsafeMutablePointer<Float>) {
        let p = SendablePointer(probs), o = SendablePointer(out)
        forEachHead(s) { bh in
            let pb = p.base + bh &* s.pSize
            gemm(transB: true, m: s.tq, n: s.tk, k: s.dh, alpha: scale, a: q + bh &* s.qSize, lda: s.dh,
                 b: k + bh &* s.kSize, ldb: s.dh, beta: 0, c: pb, ldc: s.tk)
            if let mask {
                let b = bh / s.heads, h = bh % s.heads
                for i in 0..<s.tq {
                    let row = pb + i &* s.tk
                    let m = mask.values + (b &* mask.strides[0] &+ h &* mask.strides[1] &+ i &* mask.strides[2])
                    if mask.strides[3] == 1 {
                        var j = 0
                        while j &+ 8 <= s.tk { store8(load8(row, j) + load8(m, j), row, j); j &+= 8 }
                        while j < s.tk { row[j] += m[j]; j &+= 1 }
                    } else {
                        for j in 0..<s.tk { row[j] += m[0] }
                    }
                }
            }
            for i in 0..<s.tq { softmaxRow(pb + i &* s.tk, s.tk, pb + i &* s.tk) }
            gemm(m: s.tq, n: s.dh, k: s.tk, a: pb, lda: s.tk, b: v + bh &* s.kSize, ldb: s.dh, beta: 0,
                 c: o.base + bh &* s.qSize, ldc: s.dh)
        }
    }

    /// Gradients of `attentionForward` from dO: dV = Pᵀ·dO; dS = P∘(dP − rowsum(dP∘P)) with dP = dO·Vᵀ;
    /// dQ = scale·dS·K; dK = scale·dSᵀ·Q. Any of dq, dk, dv may be nil (that input is frozen).
    static func attentionBackward(q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>,
                                  probs: UnsafePointer<Float>, dOut: UnsafePointer<Float>, sizes s: AttentionSizes,
                                  scale: Float, dq: UnsafeMutablePointer<Float>?, dk: UnsafeMutablePointer<Float>?,
                                  dv: UnsafeMutablePointer<Float>?) {
        let dqs = dq.map(SendablePointer.init), dks = dk.map(SendablePointer.init), dvs = dv.map(SendablePointer.init)
        let needScores = dq != nil || dk != nil
        forEachHead(s) { bh in
            let pb = probs + bh &* s.pSize, go = dOut + bh &* s.qSize
            if let dvs {
                gemm(transA: true, m: s.tk, n: s.dh, k: s.tq, a: pb, lda: s.tk, b: go, ldb: s.dh, beta: 0,
                     c: dvs.base + bh &* s.kSize, ldc: s.dh)
            }
            guard needScores else { return }
            var scores = [Float](repeating: 0, count: s.pSize)
            scores.withUnsafeMutableBufferPointer { buffer in
                let ds = buffer.baseAddress!
                gemm(transB: true, m: s.tq, n: s.tk, k: s.dh, a: go, lda: s.dh, b: v + bh &* s.kSize, ldb: s.dh,
                     beta: 0, c: ds, ldc: s.tk)
                for i in 0..<s.tq { softmaxBackwardRow(pb + i &* s.tk, ds + i &* s.tk, s.tk, ds + i &* s.tk) }
                if let dqs {
                    gemm(m: s.tq, n: s.dh, k: s.tk, alpha: scale, a: ds, lda: s.tk, b: k + bh &* s.kSize, ldb: s.dh,
                         beta: 0, c: dqs.base + bh &* s.qSize, ldc: s.dh)
                }
                if let dks {
                    gemm(transA: true, m: s.tk, n: s.dh, k: s.tq, alpha: scale, a: ds, lda: s.tk, b: q + bh &* s.qSize,
                         ldb: s.dh, beta: 0, c: dks.base + bh &* s.kSize, ldc: s.dh)
                }
            }
        }
    }
}

/// Multi-head scaled-dot-product attention and the additive masks it takes.
extension Tensor {
    /// The value masks use for "may not attend": large and finite, so sums of masks never produce NaN.
    public static let maskedValue: Float = -1e9

    /// softmax(q·kᵀ/√Dh + mask)·v per (batch, head), fused.
    ///
    /// Shapes: q `[B, H, Tq, Dh]`, k and v `[B, H, Tk, Dh]` → `[B, H, Tq, Dh]`. `mask` is additive (0 where allowed,
    /// `maskedValue` or −∞ where not) and broadcastable to `[B, H, Tq, Tk]`: `causalMask` is `[1, 1, T, T]`,
    /// `paddingMask` is `[B, 1, 1, T]`, and their sum is `[B, 1, T, T]`. The mask gets no gradient.
    /// Cost: 4·B·H·Tq·Tk·Dh FLOPs forward in 2·B·H small GEMMs; keeps the `[B, H, Tq, Tk]` probabilities for backward.
    public static func attention(q: Tensor, k: Tensor, v: Tensor, mask: Tensor?) -> Tensor {
        precondition(q.rank == 4 && k.rank == 4 && v.rank == 4,
                     "attention: q, k, v must be [B, H, T, Dh], got \(q.shape), \(k.shape), \(v.shape)")
        let (b, h, tq, dh) = (q.shape[0], q.shape[1], q.shape[2], q.shape[3])
        let tk = k.shape[2]
        precondition(k.shape == [b, h, tk, dh] && v.shape == k.shape,
                     "attention: q \(q.shape) needs k and v [\(b), \(h), Tk, \(dh)], got \(k.shape) and \(v.shape)")
        let sizes = Kernels.AttentionSizes(batchHeads: b * h, heads: h, tq: tq, tk: tk, dh: dh)
        let scale = 1 / Float(dh).squareRoot()
        let full = [b, h, tq, tk]
        if let mask {
            precondition(mask.rank <= 4 && broadcastShape(mask.shape, full, op: "attention mask") == full,
                         "attention: mask \(mask.shape) does not broadcast to [B, H, Tq, Tk] = \(full)")
        }
        let maskStrides = mask.map { BroadcastPlan.strides(of: $0.shape, in: full) } ?? []
        var values: [Float] = []
        let probs = makeBuffer(b * h * tq * tk) { pp in
            values = makeBuffer(b * h * tq * dh) { out in
                q.storage.withPointer { pq in k.storage.withPointer { pk in v.storage.withPointer { pv in
                    withOptionalPointer(mask) { pm in
                        let m = pm.map { Kernels.AttentionMask(values: $0, strides: maskStrides) }
                        Kernels.attentionForward(q: pq, k: pk, v: pv, mask: m, sizes: sizes, scale: scale, probs: pp, out: out)
                    }
                } } }
            }
        }
        return result(q.shape, values, op: "attention", inputs: [q, k, v]) { g in
            var dq = q.requiresGrad ? [Float](repeating: 0, count: q.count) : nil
            var dk = k.requiresGrad ? [Float](repeating: 0, count: k.count) : nil
            var dv = v.requiresGrad ? [Float](repeating: 0, count: v.count) : nil
            q.storage.withPointer { pq in k.storage.withPointer { pk in v.storage.withPointer { pv in
                probs.withPointer { pp in g.withPointer { pg in
                    withOptionalMutable(&dq) { pdq in withOptionalMutable(&dk) { pdk in withOptionalMutable(&dv) { pdv in
                        Kernels.attentionBackward(q: pq, k: pk, v: pv, probs: pp, dOut: pg, sizes: sizes, scale: scale,
                                                  dq: pdq, dk: pdk, dv: pdv)
                    } } }
                } }
            } } }
            if let dq { q.accumulateGrad(dq) }
            if let dk { k.accumulateGrad(dk) }
            if let dv { v.accumulateGrad(dv) }
        }
    }

    /// Additive causal mask `[1, 1, T, T]`: position i may attend to j ≤ i.
    public static func causalMask(length: Int) -> Tensor {
        var values = [Float](repeating: 0, count: length * length)
        for i in 0..<length { for j in (i + 1)..<Swift.max(length, i + 1) { values[i * length + j] = maskedValue } }
        return Tensor(shape: [1, 1, length, length], storage: values)
    }

    /// Additive key-padding mask `[B, 1, 1, T]` from 1/0 attention masks (HF `attention_mask`): keys marked 0 are
    /// masked for every query. All rows must have the same length.
    public static func paddingMask(_ attentionMask: [[Int]]) -> Tensor {
        let length = attentionMask.first?.count ?? 0
        precondition(attentionMask.allSatisfy { $0.count == length },
                     "paddingMask: rows have different lengths \(attentionMask.map(\.count))")
        let values = attentionMask.flatMap { row in row.map { $0 == 0 ? maskedValue : 0 } }
        return Tensor(shape: [attentionMask.count, 1, 1, length], storage: values)
    }
}

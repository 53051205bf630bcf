/// Inverted dropout with a seeded, counter-based mask.
extension Tensor {
    /// Zeroes each element with probability `p` and scales the rest by 1/(1 − p) when `training`; identity otherwise.
    /// The mask comes from `rng` (advancing it by ⌈count/4⌉ blocks), so a given RNG state always drops the same
    /// elements. Backward multiplies by the same mask.
    public func dropout(p: Float, rng: inout RNG, training: Bool) -> Tensor {
        precondition(p >= 0 && p < 1, "dropout: p must be in [0, 1), got \(p)")
        guard training, p > 0 else { return self }
        var mask = [Float](repeating: 0, count: count)
        mask.withUnsafeMutableBufferPointer { rng.fillUniform($0) }
        let keep = 1 / (1 - p)
        for i in mask.indices { mask[i] = mask[i] < p ? 0 : keep }
        let values = makeBuffer(count) { y in
            storage.withPointer { x in mask.withPointer { m in Kernels.map2(x, m, y, count, Kernels.Multiply()) } }
        }
        return Tensor.result(shape, values, op: "dropout", inputs: [self]) { [self] g in
            accumulateGrad(makeBuffer(count) { dx in
                g.withPointer { pg in mask.withPointer { m in Kernels.map2(pg, m, dx, count, Kernels.Multiply()) } }
            })
        }
    }
}

/// Softmax and log-softmax along an axis (fused, max-shifted; a fully −∞ row gives zeros, not NaN).
extension Tensor {
    /// exp(x − max) / Σ exp(x − max) along `axis`. Backward: y·(g − ⟨g, y⟩). Non-last axes go through a transpose.
    public func softmax(axis: Int) -> Tensor {
        let a = normalizedAxis(axis, rank: rank, op: "softmax")
        if a != rank - 1 { return transposed(a, -1).softmax(axis: -1).transposed(a, -1) }
        let n = shape[rank - 1], rows = count / Swift.max(n, 1)
        let values = makeBuffer(count) { y in storage.withPointer { Kernels.softmaxRows($0, rows: rows, n: n, y) } }
        return Tensor.result(shape, values, op: "softmax", inputs: [self]) { [self] g in
            accumulateGrad(makeBuffer(count) { dx in
                values.withPointer { y in g.withPointer { Kernels.softmaxBackwardRows(y, $0, rows: rows, n: n, dx) } }
            })
        }
    }

    /// x − max − log Σ exp(x − max) along `axis`. Backward: g − softmax·Σ g.
    public func logSoftmax(axis: Int) -> Tensor {
        let a = normalizedAxis(axis, rank: rank, op: "logSoftmax")
        if a != rank - 1 { return transposed(a, -1).logSoftmax(axis: -1).transposed(a, -1) }
        let n = shape[rank - 1], rows = count / Swift.max(n, 1)
        let values = makeBuffer(count) { y in storage.withPointer { Kernels.logSoftmaxRows($0, rows: rows, n: n, y) } }
        return Tensor.result(shape, values, op: "log_softmax", inputs: [self]) { [self] g in
            accumulateGrad(makeBuffer(count) { dx in
                values.withPointer { y in g.withPointer { Kernels.logSoftmaxBackwardRows(y, $0, rows: rows, n: n, dx) } }
            })
        }
    }
}

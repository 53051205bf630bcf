/// Losses and similarities: cross-entropy, MSE, L1, cosine similarity, symmetric InfoNCE.
extension Tensor {
    /// Mean negative log-likelihood of `targets` under softmax(logits): logits `[N, C]`, targets N class indices.
    /// Fused: backward is (softmax − onehot)/N.
    public func crossEntropy(targets: [Int]) -> Tensor {
        precondition(rank == 2, "crossEntropy: logits must be [N, C], got \(shape)")
        let n = shape[0], c = shape[1]
        precondition(targets.count == n, "crossEntropy: \(targets.count) targets for logits \(shape)")
        for t in targets { precondition(t >= 0 && t < c, "crossEntropy: target \(t) out of range 0..<\(c)") }
        let logProbs = makeBuffer(count) { y in storage.withPointer { Kernels.logSoftmaxRows($0, rows: n, n: c, y) } }
        var total = 0.0
        for (i, t) in targets.enumerated() { total -= Double(logProbs[i * c + t]) }
        let loss = Float(total / Double(Swift.max(n, 1)))
        return Tensor.result([], [loss], op: "cross_entropy", inputs: [self]) { [self] g in
            let scale = g[0] / Float(Swift.max(n, 1))
            accumulateGrad(makeBuffer(count) { dx in
                logProbs.withPointer { Kernels.map($0, dx, count, Kernels.ExpTimes(s: scale)) }
                for (i, t) in targets.enumerated() { dx[i * c + t] -= scale }
            })
        }
    }

    /// Mean squared error against `target` (same shape): mean((x − t)²).
    public func mseLoss(_ target: Tensor) -> Tensor {
        precondition(shape == target.shape, "mseLoss: prediction \(shape) vs target \(target.shape)")
        return (self - target).pow(2).mean()
    }

    /// Mean absolute error against `target` (same shape): mean(|x − t|).
    public func l1Loss(_ target: Tensor) -> Tensor {
        precondition(shape == target.shape, "l1Loss: prediction \(shape) vs target \(target.shape)")
        return (self - target).abs().mean()
    }

    /// Cosine of the angle between `a` and `b` along `axis` (shapes must broadcast): ⟨â, b̂⟩ with â = a/max(‖a‖, 1e-8).
    public static func cosineSimilarity(_ a: Tensor, _ b: Tensor, axis: Int) -> Tensor {
        (a.l2Normalized(axis: axis, eps: 1e-8) * b.l2Normalized(axis: axis, eps: 1e-8)).sum(axes: [axis])
    }

    /// Symmetric contrastive loss (CLIP): rows of `a` and `b` (`[N, D]`) are L2-normalised, logits =
    /// exp(logitScale)·â·b̂ᵀ, and the loss is the mean of cross-entropy over rows (a→b) and over columns (b→a) with
    /// the diagonal as targets. `logitScale` is the learnable log temperature (shape `[]` or `[1]`).
    public static func infoNCE(_ a: Tensor, _ b: Tensor, logitScale: Tensor) -> Tensor {
        precondition(a.rank == 2 && a.shape == b.shape, "infoNCE: a \(a.shape) and b \(b.shape) must both be [N, D]")
        precondition(logitScale.count == 1, "infoNCE: logitScale must hold one value, got \(logitScale.shape)")
        let logits = a.l2Normalized(axis: 1).matmul(b.l2Normalized(axis: 1), transposingOther: true)
            * logitScale.reshaped([]).exp()
        let targets = Array(0..<a.shape[0])
        return (logits.crossEntropy(targets: targets) + logits.transposed(0, 1).crossEntropy(targets: targets)) * 0.5
    }
}

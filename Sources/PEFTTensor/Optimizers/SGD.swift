/// Stochastic gradient descent with momentum, the formula of `torch.optim.SGD`:
///
///     d ← g + λ·p            b ← d (first step), else μ·b + (1 − τ)·d
///     p ← p − lr · (nesterov ? d + μ·b : b)
///
/// State buffers: `momentum.<path>` (absent when μ = 0).
public final class SGD: Optimizer {
    public var momentum: Double
    public var weightDecay: Double
    public var dampening: Double
    public var nesterov: Bool
    public var state = OptimizerState()

    public init(momentum: Double = 0.9, weightDecay: Double = 0, dampening: Double = 0, nesterov: Bool = false) {
        self.momentum = momentum
        self.weightDecay = weightDecay
        self.dampening = dampening
        self.nesterov = nesterov
    }

    public func step(_ params: [(String, Tensor)], lr: Float) {
        state.step += 1
        let mu = Float(momentum), keep = Float(1 - dampening), decay = Float(weightDecay)
        for (name, p) in params {
            guard let g = p.grad else { continue }
            let key = "momentum.\(name)"
            let first = state.buffers[key] == nil
            var buffer: [Float]? = momentum == 0 ? nil : state.takeBuffer(key, count: p.count)
            p.storage.withUnsafeMutableBufferPointer { pp in g.withPointer { pg in withOptionalMutable(&buffer) { pb in
                if pp.count > 0 {
                    Kernels.sgdUpdate(pp.baseAddress!, pg, pb, pp.count, lr: lr, decay: decay, mu: mu, keep: keep,
                                      first: first, nesterov: nesterov)
                }
            } } }
            if let buffer { state.buffers[key] = buffer }
        }
    }
}

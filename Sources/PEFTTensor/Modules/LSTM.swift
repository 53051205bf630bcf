/// A single-layer unidirectional LSTM with PyTorch's parameter layout (`batch_first=True`).
///
/// Parameters: `weight_ih` `[4H, I]`, `weight_hh` `[4H, H]`, `bias_ih` `[4H]`, `bias_hh` `[4H]`, gates stacked in
/// torch order i, f, g, o; initialised uniform in ±1/√H like torch. Per step:
/// i, f, o = σ(·), g = tanh(·), c′ = f·c + i·g, h′ = o·tanh(c′). The input projection of all steps is one GEMM;
/// the recurrence is composed from primitive ops, so its gradient comes from theirs.
public final class LSTM: ParameterContainer {
    public let inputSize: Int
    public let hiddenSize: Int
    /// `[4H, I]`.
    public let weightIH: Tensor
    /// `[4H, H]`.
    public let weightHH: Tensor
    /// `[4H]`.
    public let biasIH: Tensor
    /// `[4H]`.
    public let biasHH: Tensor

    /// A freshly initialised trainable LSTM.
    public init(inputSize: Int, hiddenSize: Int, rng: inout RNG) {
        self.inputSize = inputSize
        self.hiddenSize = hiddenSize
        let bound = 1 / Float(Swift.max(hiddenSize, 1)).squareRoot()
        func make(_ shape: [Int], _ name: String) -> Tensor {
            let t = Tensor.uniform(shape, low: -bound, high: bound, rng: &rng, requiresGrad: true)
            t.name = name
            return t
        }
        weightIH = make([4 * hiddenSize, inputSize], "weight_ih")
        weightHH = make([4 * hiddenSize, hiddenSize], "weight_hh")
        biasIH = make([4 * hiddenSize], "bias_ih")
        biasHH = make([4 * hiddenSize], "bias_hh")
    }

    /// Runs the sequence `x` `[B, T, I]` from zero state (or `initial` h, c, each `[B, H]`).
    /// Returns every hidden state `[B, T, H]` and the last one `[B, H]`.
    public func callAsFunction(_ x: Tensor, initial: (h: Tensor, c: Tensor)? = nil) -> (output: Tensor, last: Tensor) {
        precondition(x.rank == 3 && x.shape[2] == inputSize, "LSTM: input must be [B, T, \(inputSize)], got \(x.shape)")
        let (b, steps, hs) = (x.shape[0], x.shape[1], hiddenSize)
        precondition(steps > 0, "LSTM: sequence \(x.shape) has no time steps")
        let projected = x.linear(weight: weightIH, bias: biasIH)  // [B, T, 4H]
        var h = initial?.h ?? Tensor.zeros([b, hs])
        var c = initial?.c ?? Tensor.zeros([b, hs])
        var outputs: [Tensor] = []
        for t in 0..<steps {
            let gates = projected.sliced(axis: 1, range: t..<(t + 1)).reshaped([b, 4 * hs])
                + h.linear(weight: weightHH, bias: biasHH)
            let parts = gates.split(axis: 1, sizes: [hs, hs, hs, hs])
            let (i, f, g, o) = (parts[0].sigmoid(), parts[1].sigmoid(), parts[2].tanh(), parts[3].sigmoid())
            c = f * c + i * g
            h = o * c.tanh()
            outputs.append(h.unsqueezed(axis: 1))
        }
        return (Tensor.concatenated(outputs, axis: 1), h)
    }

    public func namedParameters() -> [(String, Tensor)] {
        [("weight_ih", weightIH), ("weight_hh", weightHH), ("bias_ih", biasIH), ("bias_hh", biasHH)]
    }
}

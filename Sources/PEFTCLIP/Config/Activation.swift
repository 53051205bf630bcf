/// The MLP non-linearity named by a config's `hidden_act`, with the formulas of `transformers.activations`.
public enum Activation: String, Sendable, CaseIterable, Codable {
    /// `x · σ(1.702 x)`: OpenAI CLIP's choice (`quick_gelu`).
    case quickGelu = "quick_gelu"
    /// Exact GELU, `x · Φ(x)` with the error function (`gelu`).
    case gelu
    /// Tanh approximation of GELU (`gelu_new`).
    case geluNew = "gelu_new"
    /// Same formula as `gelu_new` under PyTorch's name (`gelu_pytorch_tanh`).
    case geluPytorchTanh = "gelu_pytorch_tanh"
    /// `max(x, 0)` (`relu`).
    case relu
}

/// The kind of task a run trains for; decides the head, the loss, the metrics and the default target metric.
public enum TaskKind: String, Sendable, CaseIterable {
    case classification, regression, retrieval

    /// Metrics runs of this task record on val/test (what `target_metric` may name).
    public var metricNames: [String] {
        switch self {
        case .classification: return ["loss"] + ClassificationMetrics.names
        case .regression: return ["loss"] + RegressionMetrics.names
        case .retrieval: return ["loss"] + RetrievalMetrics.names + DialogRetrievalMetrics.names
        }
    }

    /// The validation metric that picks the best checkpoint.
    public var defaultTarget: String {
        switch self {
        case .classification: return "accuracy"
        case .regression: return "mae"
        case .retrieval: return "rsum"
        }
    }

    /// Whether a larger value of `metric` is better (losses and errors are minimised). The one place this is decided.
    public static func higherIsBetter(_ metric: String) -> Bool {
        !["loss", "mae", "mse"].contains(metric)
    }

    /// The `head:` settings every task accepts.
    public static let headParameters: [ParameterSpec] = [
        ParameterSpec("fusion", .choice(Fusion.allCases.map(\.rawValue)), default: .string(Fusion.concat.rawValue),
                      help: "How the head combines the towers' pooled, projected features: concat, sum, product "
                          + "(of L2-normalised features), concat_product, or one tower alone (image, text)."),
        ParameterSpec("hidden", .int(min: 0, max: 65_536), default: .int(0),
                      help: "Width of a hidden ReLU layer in the classification/regression head (0 = linear head)."),
    ]
}

import PEFTTensor

/// Regression: fused features → linear (or MLP) head → one score; mean squared error; `RegressionMetrics`.
public final class RegressionHead: TaskHead {
    public let kind = TaskKind.regression
    public let head: FeatureHead

    public init(head: FeatureHead) { self.head = head }

    private func target(_ targets: Targets) -> Tensor {
        Tensor(shape: [targets.scores.count, 1], storage: targets.scores.map { Float($0) })
    }

    public func loss(_ features: TowerFeatures, targets: Targets) -> Tensor { head(features).mseLoss(target(targets)) }

    public func predict(_ features: TowerFeatures, targets: Targets) -> Predictions {
        GradMode.noGrad {
            let outputs = head(features)
            var out = Predictions()
            out.scores = outputs.storage.map(Double.init)
            out.count = outputs.shape[0]
            out.lossSum = Double(outputs.mseLoss(target(targets)).scalar) * Double(out.count)
            return out
        }
    }

    public func metrics(_ predictions: Predictions, targets: Targets) -> [String: Double] {
        var out = RegressionMetrics().compute(predictions: predictions.scores, targets: targets.scores)
        out["loss"] = predictions.lossSum / Double(Swift.max(1, predictions.count))
        return out
    }

    public func namedParameters() -> [(String, Tensor)] { head.namedParameters() }
}

import PEFTTensor

/// Classification: fused features → linear (or MLP) head → softmax cross-entropy; metrics `ClassificationMetrics`.
public final class ClassificationHead: TaskHead {
    public let kind = TaskKind.classification
    public let classes: Int
    public let head: FeatureHead

    public init(classes: Int, head: FeatureHead) {
        self.classes = classes
        self.head = head
    }

    public func loss(_ features: TowerFeatures, targets: Targets) -> Tensor {
        head(features).crossEntropy(targets: targets.labels)
    }

    public func predict(_ features: TowerFeatures, targets: Targets) -> Predictions {
        GradMode.noGrad {
            let logits = head(features)
            var out = Predictions()
            let n = logits.shape[0]
            out.classes = (0 ..< n).map { i in
                var best = 0
                for c in 1 ..< classes where logits.storage[i * classes + c] > logits.storage[i * classes + best] { best = c }
                return best
            }
            out.lossSum = Double(logits.crossEntropy(targets: targets.labels).scalar) * Double(n)
            out.count = n
            return out
        }
    }

    public func metrics(_ predictions: Predictions, targets: Targets) -> [String: Double] {
        var out = ClassificationMetrics(classes: classes).compute(predictions: predictions.classes, targets: targets.labels)
        out["loss"] = predictions.lossSum / Double(Swift.max(1, predictions.count))
        return out
    }

    public func namedParameters() -> [(String, Tensor)] { head.namedParameters() }
}

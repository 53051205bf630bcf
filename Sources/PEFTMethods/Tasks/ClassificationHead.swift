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

/// Retrieval: image ↔ text pairs, symmetric InfoNCE over the batch with a learnable temperature
/// (`head.logit_scale`, initialised from the backbone's `logit_scale`); metrics over the whole split and in-batch.
public final class RetrievalHead: TaskHead {
    public let kind = TaskKind.retrieval
    /// Log temperature, shape `[]`.
    public let logitScale: Tensor
    /// Block size of the in-batch metrics (the training batch size).
    public let batchSize: Int

    public init(initialLogitScale: Float, batchSize: Int) {
        logitScale = Tensor(shape: [], storage: [initialLogitScale], requiresGrad: true)
        self.batchSize = batchSize
    }

    private func pair(_ features: TowerFeatures) -> (Tensor, Tensor) {
        guard let image = features.image, let text = features.text else {
            preconditionFailure("RetrievalHead: retrieval needs both image and text features")
        }
        return (image, text)
    }

    public func loss(_ features: TowerFeatures, targets: Targets) -> Tensor {
        let (image, text) = pair(features)
        return Tensor.infoNCE(image, text, logitScale: logitScale)
    }

    public func predict(_ features: TowerFeatures, targets: Targets) -> Predictions {
        GradMode.noGrad {
            let (image, text) = pair(features)
            var out = Predictions()
            let (n, d) = (image.shape[0], image.shape[1])
            out.images = (0 ..< n).map { Array(image.storage[$0 * d ..< ($0 + 1) * d]) }
            out.texts = (0 ..< n).map { Array(text.storage[$0 * d ..< ($0 + 1) * d]) }
            out.lossSum = Double(Tensor.infoNCE(image, text, logitScale: logitScale).scalar) * Double(n)
            out.count = n
            return out
        }
    }

    public func metrics(_ predictions: Predictions, targets: Targets) -> [String: Double] {
        var out = RetrievalMetrics().compute(images: predictions.images, texts: predictions.texts, batchSize: batchSize)
        out["loss"] = predictions.lossSum / Double(Swift.max(1, predictions.count))
        return out
    }

    public func namedParameters() -> [(String, Tensor)] { [("logit_scale", logitScale)] }
}

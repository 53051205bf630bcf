import PEFTTensor

/// Retrieval: image ↔ text pairs, symmetric InfoNCE over the batch with a learnable temperature
/// (`head.logit_scale`, initialised from the backbone's `logit_scale`); metrics over the whole split and in-batch,
/// and for dialog batches (`TowerFeatures.dialog`) per retrieval type and against each row's distractors.
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
            if let dialog = features.dialog {
                out.retrievalTypes = dialog.types
                if let distractors = dialog.distractors {
                    out.distractorRanks = DialogRetrievalMetrics.distractorRanks(
                        candidates: image.storage, queries: text.storage, distractors: distractors.storage, batch: n,
                        k: distractors.shape[1], width: d)
                }
            }
            return out
        }
    }

    public func metrics(_ predictions: Predictions, targets: Targets) -> [String: Double] {
        var out = RetrievalMetrics().compute(images: predictions.images, texts: predictions.texts, batchSize: batchSize)
        out["loss"] = predictions.lossSum / Double(Swift.max(1, predictions.count))
        if predictions.retrievalTypes.count == predictions.count {
            out.merge(DialogRetrievalMetrics().compute(candidates: predictions.images, queries: predictions.texts,
                                                       types: predictions.retrievalTypes,
                                                       distractorRanks: predictions.distractorRanks)) { a, _ in a }
        }
        return out
    }

    public func namedParameters() -> [(String, Tensor)] { [("logit_scale", logitScale)] }
}

import PEFTMethods
import PEFTStore

extension StoredPredictions {
    /// A split's accumulated predictions with its targets and example ids, as stored in `predictions`.
    init(_ predictions: Predictions, split: SplitData, head: any TaskHead, batchSize: Int) {
        let ids = split.exampleIDs.count == split.count ? split.exampleIDs : []
        switch head.kind {
        case .classification:
            self.init(exampleIDs: ids, values: .classes(predicted: predictions.classes.map { Int32($0) },
                                                        targets: split.targets.labels.map { Int32($0) },
                                                        classes: (head as? ClassificationHead)?.classes ?? 2))
        case .regression:
            self.init(exampleIDs: ids, values: .scores(predicted: predictions.scores, targets: split.targets.scores))
        case .retrieval:
            self.init(exampleIDs: ids, values: .embeddings(images: predictions.images.flatMap { $0 }, texts: predictions.texts.flatMap { $0 },
                                                           width: predictions.images.first?.count ?? 0, batchSize: batchSize))
        }
    }
}

import PEFTTensor

/// The targets of a batch or split, as stored with the examples.
public struct Targets: Sendable {
    /// Class indices (classification), one per example.
    public var labels: [Int]
    /// Scores (regression), one per example.
    public var scores: [Double]

    public init(labels: [Int] = [], scores: [Double] = []) {
        self.labels = labels
        self.scores = scores
    }
}

/// What evaluation keeps of each example, accumulated over a split's batches.
public struct Predictions: Sendable {
    /// Predicted class per example (classification).
    public var classes: [Int] = []
    /// Predicted score per example (regression).
    public var scores: [Double] = []
    /// Embeddings per example (retrieval).
    public var images: [[Float]] = []
    public var texts: [[Float]] = []
    /// Retrieval type per example and rank of its target among itself and its distractors (dialog retrieval).
    public var retrievalTypes: [RetrievalType] = []
    public var distractorRanks: [Int] = []
    /// Sum of per-batch mean losses weighted by batch size, and the number of examples.
    public var lossSum = 0.0
    public var count = 0

    public init() {}

    /// Appends another batch's predictions.
    public mutating func append(_ other: Predictions) {
        classes += other.classes
        scores += other.scores
        images += other.images
        texts += other.texts
        retrievalTypes += other.retrievalTypes
        distractorRanks += other.distractorRanks
        lossSum += other.lossSum
        count += other.count
    }
}

/// A task: a head on the towers' features, its loss and its metrics (one implementation per `TaskKind`).
///
/// Parameters are listed under `head.` in checkpoints; they are always trainable.
public protocol TaskHead: AnyObject, ParameterContainer {
    var kind: TaskKind { get }
    /// The training loss of a batch (a scalar with a graph).
    func loss(_ features: TowerFeatures, targets: Targets) -> Tensor
    /// A batch's predictions and loss, without recording a graph.
    func predict(_ features: TowerFeatures, targets: Targets) -> Predictions
    /// Metrics of a whole split (its accumulated predictions), `loss` included.
    func metrics(_ predictions: Predictions, targets: Targets) -> [String: Double]
}

/// Shared by the classification and regression heads: fusion, optional standardisation, then a linear layer or a
/// one-hidden-layer ReLU MLP.
public final class FeatureHead: ParameterContainer {
    public let fusion: Fusion
    /// `[out, in]` output weights (`head.weight`), initialised N(0, 0.01²); bias zero.
    public let weight: Tensor
    public let bias: Tensor
    /// Optional hidden layer (`head.hidden.weight`, `head.hidden.bias`).
    public let hidden: Linear?
    /// Constant per-dimension mean and scale applied after fusion (training-split statistics), when standardising.
    public private(set) var standardization: (mean: Tensor, scale: Tensor)?

    /// A head mapping `inputWidth` fused features to `outputs`; `rng` is the run's head stream.
    public init(fusion: Fusion, inputWidth: Int, hiddenWidth: Int, outputs: Int, rng: inout RNG) {
        self.fusion = fusion
        if hiddenWidth > 0 {
            let layer = Linear(weight: Tensor.randn([hiddenWidth, inputWidth], std: 0.01, rng: &rng, requiresGrad: true),
                               bias: Tensor.zeros([hiddenWidth], requiresGrad: true))
            hidden = layer
        } else {
            hidden = nil
        }
        weight = Tensor.randn([outputs, hiddenWidth > 0 ? hiddenWidth : inputWidth], std: 0.01, rng: &rng, requiresGrad: true)
        bias = Tensor.zeros([outputs], requiresGrad: true)
    }

    /// Sets the standardisation from training-split statistics: `(x − mean) / max(std, 1e-6)` per dimension.
    public func standardize(mean: [Float], std: [Float]) {
        standardization = (Tensor(shape: [1, mean.count], storage: mean),
                           Tensor(shape: [1, std.count], storage: std.map { 1 / Swift.max($0, 1e-6) }))
    }

    /// Fused (and standardised) features `[B, in]`.
    public func input(_ features: TowerFeatures) -> Tensor {
        let x = fusion(features)
        guard let (mean, scale) = standardization else { return x }
        return (x - mean) * scale
    }

    /// `[B, out]` outputs.
    public func callAsFunction(_ features: TowerFeatures) -> Tensor {
        var x = input(features)
        if let hidden { x = hidden(x).relu() }
        return x.linear(weight: weight, bias: bias)
    }

    public func namedParameters() -> [(String, Tensor)] {
        (hidden.map { prefixed("hidden", $0.namedParameters()) } ?? []) + [("weight", weight), ("bias", bias)]
    }
}

import Foundation
import PEFTTensor

/// Linear probe: a linear head on frozen per-example features (softmax regression for classification,
/// least squares for regression). The backbone is never run during training; features come from the store.
///
/// Data order is `RNG(seed, stream: epoch)`'s permutation, so a resumed run sees the same batches; parameters,
/// AdamW/SGD state and the step are checkpointed; the learning rate is a pure function of the step.
public final class LinearProbe: Trainer {
    public static let descriptor = MethodDescriptor(
        name: "linear-probe",
        summary: "Linear head on frozen features (stored per example in example_features).",
        tasks: [.classification, .regression],
        parameters: [
            ParameterSpec("feature", .string, default: .string("features"),
                          help: "clip_image, clip_text, clip_joint or clip_product (CLIP embeddings under the spec's "
                              + "backbone), or the name of example_features rows (sequences are mean-pooled)."),
            ParameterSpec("standardize", .bool, default: .bool(true),
                          help: "Scale features to zero mean and unit variance using training-split statistics."),
        ],
        makeTrainer: { config, context in try LinearProbe(config: config, context: context) })

    public let totalSteps: Int
    public let stepsPerEpoch: Int
    private let config: RunConfig
    private let train: FeatureTable
    private let splits: [String: FeatureTable]
    private let outputs: Int
    private let weight: Tensor
    private let bias: Tensor
    private let optimizer: any Optimizer
    private let schedule: LRSchedule
    private var step = 0
    private var order: [Int] = []
    private var orderEpoch = -1

    init(config: RunConfig, context: TrainingContext) throws {
        self.config = config
        let feature = config.method("feature")?.stringValue ?? "features"
        let load: (String) throws -> FeatureTable
        if let kind = CLIPFeatures.Kind(rawValue: feature) {
            guard let backbone = config.backbone else {
                throw PermanentRunError("feature '\(feature)' needs a `backbone:` (a CLIP directory) in the spec")
            }
            let clip = try CLIPFeatures(store: context.store, backboneDirectory: URL(fileURLWithPath: backbone))
            try clip.ensure(dataset: config.dataset)
            load = { split in try FeatureTable.load(clip: clip, dataset: config.dataset, split: split, kind: kind) }
        } else {
            load = { split in
                try FeatureTable.load(store: context.store, dataset: config.dataset, split: split, feature: feature)
            }
        }
        var train = try load("train")
        guard train.count > 0 else {
            throw PermanentRunError("dataset '\(config.dataset)' has no training examples with feature '\(feature)'")
        }
        var splits: [String: FeatureTable] = [:]
        for split in ["val", "test"] { splits[split] = try load(split) }
        if config.method("standardize")?.boolValue ?? true {
            let (mean, std) = Self.moments(train.features)
            func scale(_ t: inout FeatureTable) { t.features = t.features.map { zip($0, zip(mean, std)).map { ($0 - $1.0) / $1.1 } } }
            scale(&train)
            for key in splits.keys { scale(&splits[key]!) }
        }
        let all = [("train", train)] + splits.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        switch config.task {
        case .classification:
            for (split, table) in all where !table.labels.allSatisfy({ $0 >= 0 }) {
                throw PermanentRunError("dataset '\(config.dataset)' has \(split) examples without a class label")
            }
            outputs = max(2, all.flatMap(\.1.labels).max().map { $0 + 1 } ?? 2)
        case .regression:
            for (split, table) in all where !table.scores.allSatisfy(\.isFinite) {
                throw PermanentRunError("dataset '\(config.dataset)' has \(split) examples without a score")
            }
            outputs = 1
        case .retrieval:
            throw PermanentRunError("linear-probe does not support retrieval")
        }
        self.train = train
        self.splits = splits
        stepsPerEpoch = (train.count + config.batchSize - 1) / config.batchSize
        totalSteps = stepsPerEpoch * config.epochs

        var rng = RNG(seed: UInt64(config.seed), stream: 0)
        weight = Tensor.randn([outputs, train.dimension], std: 0.01, rng: &rng, requiresGrad: true)
        weight.name = "head.weight"
        bias = Tensor.zeros([outputs], requiresGrad: true)
        bias.name = "head.bias"
        optimizer = config.optimizer == "sgd"
            ? SGD(momentum: config.momentum, weightDecay: config.weightDecay)
            : AdamW(weightDecay: config.weightDecay)
        schedule = LRSchedule(warmupSteps: config.warmupSteps, totalSteps: totalSteps,
                              kind: LRSchedule.Kind(rawValue: config.schedule) ?? .cosine, baseLR: Float(config.lr))
    }

    private var parameters: [(String, Tensor)] { [("head.weight", weight), ("head.bias", bias)] }

    public func trainStep() throws -> [String: Double] {
        let epoch = step / stepsPerEpoch
        if epoch != orderEpoch {
            order = RNG(seed: UInt64(config.seed), stream: UInt64(epoch) + 1).permutation(train.count)
            orderEpoch = epoch
        }
        let start = (step % stepsPerEpoch) * config.batchSize
        let batch = Array(order[start..<min(start + config.batchSize, train.count)])
        let loss = self.loss(logits: forward(batch.map { train.features[$0] }), on: train, rows: batch)
        for (_, p) in parameters { p.zeroGrad() }
        loss.backward()
        if config.gradClip > 0 { _ = clipGradNorm(parameters, maxNorm: Float(config.gradClip)) }
        step += 1
        optimizer.step(parameters, lr: schedule.lr(at: step))
        return ["loss": Double(loss.scalar), "lr": Double(schedule.lr(at: step))]
    }

    public func evaluate(split: String) throws -> [String: Double] {
        guard let table = splits[split], table.count > 0 else { return [:] }
        return GradMode.noGrad {
            let logits = forward(table.features)
            var metrics: [String: Double] = ["loss": Double(loss(logits: logits, on: table, rows: Array(0..<table.count)).scalar)]
            switch config.task {
            case .classification:
                let predictions = (0..<table.count).map { i -> Int in
                    var best = 0
                    for c in 1..<outputs where logits.storage[i * outputs + c] > logits.storage[i * outputs + best] { best = c }
                    return best
                }
                metrics.merge(ClassificationMetrics(classes: outputs).compute(predictions: predictions, targets: table.labels)) { $1 }
            case .regression, .retrieval:
                metrics.merge(RegressionMetrics().compute(predictions: logits.storage.map(Double.init), targets: table.scores)) { $1 }
            }
            return metrics
        }
    }

    public func state() throws -> TrainerState {
        TrainerState(step: step, epoch: step / stepsPerEpoch, cursor: step % stepsPerEpoch,
                     tensors: parameters.map { NamedTensor(name: $0.0, shape: $0.1.shape, values: $0.1.storage) },
                     optimizer: try JSONEncoder().encode(optimizer.state), rng: "{}")
    }

    public func restore(_ state: TrainerState) throws {
        for (name, tensor) in parameters {
            guard let saved = state.tensors.first(where: { $0.name == name }), saved.shape == tensor.shape else {
                throw PermanentRunError("checkpoint has no tensor '\(name)' of shape \(tensor.shape)")
            }
            tensor.storage = saved.values
        }
        optimizer.state = try JSONDecoder().decode(OptimizerState.self, from: state.optimizer)
        step = state.step
    }

    private func forward(_ rows: [[Float]]) -> Tensor {
        let x = Tensor(shape: [rows.count, train.dimension], storage: rows.flatMap { $0 })
        return x.linear(weight: weight, bias: bias)
    }

    private func loss(logits: Tensor, on table: FeatureTable, rows: [Int]) -> Tensor {
        switch config.task {
        case .classification:
            return logits.crossEntropy(targets: rows.map { table.labels[$0] })
        case .regression, .retrieval:
            let target = Tensor(shape: [rows.count, 1], storage: rows.map { Float(table.scores[$0]) })
            return logits.mseLoss(target)
        }
    }

    /// Per-dimension mean and standard deviation (std floored at 1e-6).
    private static func moments(_ rows: [[Float]]) -> ([Float], [Float]) {
        let n = Float(rows.count), d = rows.first?.count ?? 0
        var mean = [Float](repeating: 0, count: d), variance = mean
        for row in rows { for j in 0..<d { mean[j] += row[j] / n } }
        for row in rows { for j in 0..<d { variance[j] += (row[j] - mean[j]) * (row[j] - mean[j]) / n } }
        return (mean, variance.map { Swift.max($0.squareRoot(), 1e-6) })
    }
}

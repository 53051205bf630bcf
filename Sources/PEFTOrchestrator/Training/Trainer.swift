import Foundation
import PEFTCLIP
import PEFTData
import PEFTMethods
import PEFTStore
import PEFTTensor

/// A named Float32 tensor: how the trainer hands its trainable parameters to checkpoints.
public struct NamedTensor: Sendable, Equatable {
    public var name: String
    public var shape: [Int]
    public var values: [Float]

    public init(name: String, shape: [Int], values: [Float]) {
        self.name = name
        self.shape = shape
        self.values = values
    }
}

/// Everything a trainer needs to continue bit-exactly from where it stopped.
public struct TrainerState: Sendable, Equatable {
    /// Optimisation steps completed.
    public var step: Int
    public var epoch: Int
    /// Batches consumed within `epoch` (data order is a function of seed and epoch only).
    public var cursor: Int
    /// Trainable parameters only.
    public var tensors: [NamedTensor]
    /// Optimizer state, JSON.
    public var optimizer: Data
    /// RNG state, JSON (dropout draws from (seed, step), so nothing beyond the step is needed today).
    public var rng: String

    public init(step: Int, epoch: Int, cursor: Int, tensors: [NamedTensor], optimizer: Data, rng: String) {
        self.step = step
        self.epoch = epoch
        self.cursor = cursor
        self.tensors = tensors
        self.optimizer = optimizer
        self.rng = rng
    }
}

/// What a trainer may use besides its config.
public struct TrainingContext: @unchecked Sendable {
    /// The database holding datasets, images and the feature cache.
    public var store: Store
    /// Threads this run may use for its kernels and BLAS.
    public var threads: Int
    /// The methods specs may name.
    public var registry: MethodRegistry

    public init(store: Store, threads: Int, registry: MethodRegistry = .standard) {
        self.store = store
        self.threads = threads
        self.registry = registry
    }
}

/// A run's failure that retrying cannot fix (bad config, missing data); the run fails at once.
public struct PermanentRunError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// How many parameters a run trains, in HF PEFT's terms.
public struct ParameterCounts: Sendable, Equatable, Codable {
    /// What the method adds or unfreezes in the backbone (HF PEFT's trainable count on the bare `CLIPModel`).
    public var method: Int
    /// The task head's parameters.
    public var head: Int
    /// The backbone's parameters the method does not train: all of them, less those a method training base tensors
    /// (full fine-tuning, BitFit) counts in `method`, so that `total` counts each tensor once (0 for runs on stored
    /// features), plus the frozen models a method brings (MSE-Adapter's language model).
    public var backbone: Int

    public var trainable: Int { method + head }
    /// Every parameter the run's model holds: backbone, method and head.
    public var total: Int { backbone + method + head }
}

/// One run's model and optimisation: the loop's body. `RunExecutor` drives it step by step, evaluates,
/// checkpoints and resumes it; methods and tasks only plug into it.
///
/// Per step: the batch of rows `order(epoch)[cursor·B ..< (cursor+1)·B]` (the order a function of seed and epoch) →
/// encoder input (pixels / tokens / cached states) → the method's encoding → the head's loss → backward → global
/// gradient clipping → the optimiser with the learning rate of the step being taken. Determinism contract: the
/// same config and state give the same next step, bit for bit, on the same thread layout.
public final class Trainer {
    public let config: RunConfig
    public let totalSteps: Int
    public let stepsPerEpoch: Int
    public let counts: ParameterCounts
    /// The run's own model (nil for runs on stored features).
    public let model: CLIPModel?
    public let method: any PEFTMethod
    public let head: any TaskHead
    /// Trainable tensors by checkpoint name: method paths, then `head.*`.
    public let parameters: [(String, Tensor)]
    let data: RunData
    private let mode = ForwardMode()
    private let optimizer: any Optimizer
    private let schedule: LRSchedule
    private var step = 0
    private var order: [Int] = []
    private var orderEpoch = -1

    /// RNG streams of a run's seed: data order uses `epoch + 1`, the head 0; these never collide with either.
    static let methodStream: UInt64 = 1 << 32
    static let dropoutStream: UInt64 = 1 << 40

    /// Builds the run's model, data and optimiser.
    /// - Throws: `PermanentRunError` for configs or data the run cannot use; `CheckpointError` for a bad backbone.
    public init(config: RunConfig, context: TrainingContext) throws {
        self.config = config
        guard let descriptor = context.registry[config.method] else {
            throw PermanentRunError("method '\(config.method)' is not available in this build of peftlab")
        }
        let method = try descriptor.make(config.methodSettings(descriptor))
        self.method = method
        let reader = method as? any ExampleReadingMethod
        let seed = UInt64(config.seed)

        var features: CLIPFeatures?
        var model: CLIPModel?
        var methodParameters: [(String, Tensor)] = []
        var feeds: [TowerKind: TowerFeed] = [:]
        if method.inputFeature == nil {
            guard let backbone = config.backbone else {
                throw PermanentRunError("method '\(config.method)' needs a `backbone:` (a CLIP directory) in the spec")
            }
            let loaded = try CLIPFeatures(store: context.store,
                                          backboneDirectory: BackboneReference.resolve(backbone, storePath: context.store.path))
            let own = CLIPModel(sharingWeightsOf: loaded.backbone.model)
            var methodContext = MethodContext(rng: RNG(seed: seed, stream: Self.methodStream), mode: mode,
                                              featureWidths: try Self.featureWidths(reader, store: context.store, dataset: config.dataset))
            methodParameters = try method.apply(to: own, context: &methodContext)
            let towers = config.task == .retrieval ? TowerKind.allCases : config.fusion.towers
            for tower in towers {
                feeds[tower] = Self.feed(method.reach(tower, in: own), cache: config.train.cacheDType != nil)
            }
            features = loaded
            model = own
        }
        self.model = model
        data = try RunData(store: context.store, dataset: config.dataset, task: config.task, features: features, feeds: feeds,
                           feature: method.inputFeature, cacheDType: config.train.cacheDType,
                           sequenceFeatures: reader?.sequenceFeatures)
        try data.prepareCaches()

        var headRNG = RNG(seed: seed, stream: 0)
        let width = reader?.featureWidth ?? data.train.extra?.first?.count ?? config.fusion.width(projection: model?.config.projectionDim ?? 0)
        let classes = Swift.max(2, (data.splits.values.flatMap(\.targets.labels).max() ?? 1) + 1)
        if let own = reader?.makeHead(task: config.task, classes: classes) {
            head = own
        } else {
            switch config.task {
            case .classification:
                head = ClassificationHead(classes: classes, head: FeatureHead(fusion: config.fusion, inputWidth: width,
                                                                              hiddenWidth: config.head.int("hidden"), outputs: classes, rng: &headRNG))
            case .regression:
                head = RegressionHead(head: FeatureHead(fusion: config.fusion, inputWidth: width,
                                                        hiddenWidth: config.head.int("hidden"), outputs: 1, rng: &headRNG))
            case .retrieval:
                head = RetrievalHead(initialLogitScale: model?.logitScale.scalar ?? 2.6592, batchSize: config.train.batchSize)
            }
        }
        parameters = methodParameters + prefixed("head", head.namedParameters())
        let trained = Set(methodParameters.map { ObjectIdentifier($0.1) })
        counts = ParameterCounts(method: methodParameters.reduce(0) { $0 + $1.1.count }, head: head.parameterCount(),
                                 backbone: (model?.baseParameters().filter { !trained.contains(ObjectIdentifier($0.1)) }
                                     .reduce(0) { $0 + $1.1.count } ?? 0) + (reader?.frozenParameterCount ?? 0))
        stepsPerEpoch = (data.train.count + config.train.batchSize - 1) / config.train.batchSize
        totalSteps = stepsPerEpoch * config.train.epochs
        optimizer = config.train.makeOptimizer()
        schedule = config.train.makeSchedule(totalSteps: totalSteps)
        if method.standardizesFeatures, let featureHead = (head as? ClassificationHead)?.head ?? (head as? RegressionHead)?.head {
            try standardize(featureHead)
        }
    }

    /// Widths of the stored features an `ExampleReadingMethod` reads, by name.
    static func featureWidths(_ reader: (any ExampleReadingMethod)?, store: Store, dataset: String) throws -> [String: Int] {
        try Dictionary(uniqueKeysWithValues: (reader?.sequenceFeatures ?? []).map {
            ($0, try SequenceFeatures.load(store: store, dataset: dataset, feature: $0).dims)
        })
    }

    /// How the loop feeds a tower the method reaches this far.
    static func feed(_ reach: TowerReach, cache: Bool) -> TowerFeed {
        switch reach {
        case .frozen: return cache ? .embeddings : .raw
        case .fromLayer(let layer): return cache && layer > 0 ? .cached(layer: layer) : .raw
        }
    }

    /// The towers' features for `rows` of `split`.
    private func encode(_ split: SplitData, rows: [Int]) throws -> TowerFeatures {
        let input = try data.input(split, rows: rows)
        guard let model else { return TowerFeatures(extra: input.extra) }
        return DialogRetrieval.encode(method, input, model: model)
    }

    /// Runs the next optimisation step and returns training metrics (`loss`, `lr`).
    public func trainStep() throws -> [String: Double] {
        let epoch = step / stepsPerEpoch
        if epoch != orderEpoch {
            order = RNG(seed: UInt64(config.seed), stream: UInt64(epoch) + 1).permutation(data.train.count)
            orderEpoch = epoch
        }
        let start = (step % stepsPerEpoch) * config.train.batchSize
        let rows = Array(order[start ..< Swift.min(start + config.train.batchSize, data.train.count)])
        mode.training = true
        mode.rng = RNG(seed: UInt64(config.seed), stream: Self.dropoutStream &+ UInt64(step))
        defer { mode.training = false }
        let loss = head.loss(try encode(data.train, rows: rows), targets: data.train.targets(rows))
        for (_, p) in parameters { p.zeroGrad() }
        loss.backward()
        if config.train.gradClip > 0 { clipGradNorm(parameters, maxNorm: Float(config.train.gradClip)) }
        let lr = schedule.lr(at: step)
        optimizer.step(parameters, lr: lr)
        step += 1
        return ["loss": Double(loss.scalar), "lr": Double(lr)]
    }

    /// Metrics of the current parameters on a split (`val`, `test`); empty when the split has no examples.
    public func evaluate(split name: String) throws -> [String: Double] {
        try evaluateWithPredictions(split: name).metrics
    }

    /// Metrics of the current parameters on a split and what they were computed from (stored for reports).
    public func evaluateWithPredictions(split name: String) throws -> (metrics: [String: Double], predictions: StoredPredictions?) {
        guard let split = data.splits[name], split.count > 0 else { return ([:], nil) }
        var all = Predictions()
        let size = config.train.batchSize
        for start in stride(from: 0, to: split.count, by: size) {
            let rows = Array(start ..< Swift.min(start + size, split.count))
            let features = try GradMode.noGrad { try encode(split, rows: rows) }
            all.append(head.predict(features, targets: split.targets(rows)))
        }
        return (head.metrics(all, targets: split.targets), StoredPredictions(all, split: split, head: head, batchSize: size))
    }

    /// The state to checkpoint.
    public func state() throws -> TrainerState {
        TrainerState(step: step, epoch: step / Swift.max(1, stepsPerEpoch), cursor: step % Swift.max(1, stepsPerEpoch),
                     tensors: parameters.map { NamedTensor(name: $0.0, shape: $0.1.shape, values: $0.1.storage) },
                     optimizer: try JSONEncoder().encode(optimizer.state), rng: "{}")
    }

    /// Continues from a checkpointed state.
    public func restore(_ state: TrainerState) throws {
        let saved = Dictionary(state.tensors.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        for (name, tensor) in parameters {
            guard let entry = saved[name], entry.shape == tensor.shape else {
                throw PermanentRunError("checkpoint has no tensor '\(name)' of shape \(tensor.shape)")
            }
            tensor.storage = entry.values
        }
        optimizer.state = try JSONDecoder().decode(OptimizerState.self, from: state.optimizer)
        step = state.step
    }

    /// Sets the head's input standardisation from the training split's fused features (frozen features only).
    private func standardize(_ featureHead: FeatureHead) throws {
        let split = data.train
        var rows: [[Float]] = []
        for start in stride(from: 0, to: split.count, by: 256) {
            let batch = Array(start ..< Swift.min(start + 256, split.count))
            let x = try GradMode.noGrad { featureHead.input(try encode(split, rows: batch)) }
            let width = x.shape[1]
            rows += (0 ..< batch.count).map { Array(x.storage[$0 * width ..< ($0 + 1) * width]) }
        }
        let n = Float(rows.count), d = rows.first?.count ?? 0
        var mean = [Float](repeating: 0, count: d), variance = mean
        for row in rows { for j in 0 ..< d { mean[j] += row[j] / n } }
        for row in rows { for j in 0 ..< d { variance[j] += (row[j] - mean[j]) * (row[j] - mean[j]) / n } }
        featureHead.standardize(mean: mean, std: variance.map { $0.squareRoot() })
    }
}

import Foundation
import PEFTMethods
import PEFTStore
import PEFTTensor
import XCTest
@testable import PEFTOrchestrator

/// The one training loop on real inputs: pixels and tokens from the store, the frozen prefix from the feature
/// cache, LoRA and adapters on a tiny CLIP.
final class TrainingCoreTests: XCTestCase {
    nonisolated(unsafe) private static let fixture = Result { try TrainingFixture() }
    private var fixture: TrainingFixture { get throws { try Self.fixture.get() } }

    private func spec(_ method: String, cache: String, task: String = "classification") -> String {
        """
        name: core
        task: \(task)
        method: \(method)
        train: {epochs: 2, batch_size: 8, lr: 1e-2, cache: \(cache)}
        seeds: [4]
        """
    }

    func testCachedPrefixGivesTheSameRunAsRecomputingIt() throws {
        for method in ["{name: lora, layers: '2', targets: [q, v, fc1]}", "{name: houlsby, layers: upper, bottleneck: 4}"] {
            let cached = try fixture.trainer(try fixture.plans(spec(method, cache: "float32"))[0])
            XCTAssertEqual(cached.data.feeds, [.vision: .cached(layer: 1), .text: .cached(layer: 1)], method)
            let plain = try fixture.trainer(try fixture.plans(spec(method, cache: "none"))[0])
            XCTAssertEqual(plain.data.feeds, [.vision: .raw, .text: .raw], method)
            for trainer in [cached, plain] { for _ in 0 ..< trainer.totalSteps { _ = try trainer.trainStep() } }
            let (a, b) = (try cached.evaluate(split: "test"), try plain.evaluate(split: "test"))
            XCTAssertEqual(a["accuracy"], b["accuracy"], method)
            XCTAssertEqual(a["loss"] ?? 0, b["loss"] ?? 1, accuracy: 1e-4, method)
            for ((name, x), (_, y)) in zip(cached.parameters, plain.parameters) {
                let diff = zip(x.storage, y.storage).map { abs($0 - $1) }.max() ?? 0
                XCTAssertLessThan(diff, 1e-4, "\(method): \(name)")
            }
        }
        let entries = try fixture.store.read { try $0.value(Int.self, "SELECT COUNT(*) FROM feature_cache WHERE layer = 1") }
        XCTAssertGreaterThan(entries ?? 0, 0, "layer-1 states were cached")
    }

    func testFrozenTowersReadCachedEmbeddingsAndLoRAOnlyWrapsItsTowers() throws {
        let trainer = try fixture.trainer(try fixture.plans(spec("{name: lora, towers: vision}", cache: "float16"))[0])
        XCTAssertEqual(trainer.data.feeds, [.vision: .raw, .text: .embeddings])
        XCTAssertTrue(trainer.parameters.allSatisfy { $0.0.hasPrefix("vision_model.") || $0.0.hasPrefix("head.") })
        XCTAssertEqual(trainer.counts.method, LoRA.descriptor.parameterCount(
            trainer.config.methodSettings(LoRA.descriptor), trainer.model!.config))
    }

    func testTwoRunsOnTwoThreadsEachOwnTheirModelAndMatchSequentialRuns() throws {
        let fixture = try self.fixture
        let plans = try fixture.plans(spec("{name: lora}", cache: "float32").replacingOccurrences(of: "seeds: [4]", with: "seeds: [1, 2]"))
        let sequential = try plans.map { try fixture.train($0).0.parameters.map(\.1.storage) }
        let results = LockedBox<[Int: [[Float]]]>([:])
        let group = DispatchGroup()
        for (i, plan) in plans.enumerated() {
            group.enter()
            Thread {
                ComputeThreads.with(threads: 1) {
                    if let trained = try? fixture.train(plan).0 { results.update { $0[i] = trained.parameters.map(\.1.storage) } }
                }
                group.leave()
            }.start()
        }
        group.wait()
        XCTAssertEqual(results.value[0], sequential[0])
        XCTAssertEqual(results.value[1], sequential[1])
        XCTAssertNotEqual(sequential[0], sequential[1], "different seeds train differently")
    }

    func testConcurrentRunsFillTheCacheOnceAndReadTheSameStates() throws {
        let fresh = try TrainingFixture(examples: 24)
        let plan = try fresh.plans(spec("{name: houlsby, layers: upper}", cache: "float16"))[0]
        let losses = LockedBox<[Double]>([])
        let group = DispatchGroup()
        for _ in 0 ..< 2 {
            group.enter()
            Thread {
                ComputeThreads.with(threads: 1) {
                    if let trainer = try? fresh.trainer(plan), let loss = try? trainer.trainStep()["loss"] {
                        losses.update { $0.append(loss) }
                    }
                }
                group.leave()
            }.start()
        }
        group.wait()
        XCTAssertEqual(losses.value.count, 2)
        XCTAssertEqual(losses.value.first, losses.value.last, "both runs read the same cached states")
        let (entries, inputs) = try fresh.store.read { tx in
            (try tx.value(Int.self, "SELECT COUNT(*) FROM feature_cache WHERE layer = 1") ?? 0,
             try tx.value(Int.self, "SELECT COUNT(DISTINCT image_sha256) + COUNT(DISTINCT text) FROM examples") ?? 0)
        }
        XCTAssertEqual(entries, inputs, "one entry per image and caption at layer 1, none twice")
    }

    func testRetrievalTrainsWithInfoNCEAndReportsRecallBothWays() throws {
        let plan = try fixture.plans(spec("{name: lora, r: 4}", cache: "float16", task: "retrieval")
            .replacingOccurrences(of: "epochs: 2", with: "epochs: 6"))[0]
        let trainer = try fixture.trainer(plan)
        let before = try trainer.evaluate(split: "train")
        for _ in 0 ..< trainer.totalSteps { _ = try trainer.trainStep() }
        let after = try trainer.evaluate(split: "train")
        XCTAssertLessThan(after["loss"]!, before["loss"]!)
        for name in RetrievalMetrics.names { XCTAssertNotNil(after[name], name) }
        XCTAssertTrue(trainer.parameters.contains { $0.0 == "head.logit_scale" })
    }

    func testFirstStepTakesTheLearningRateOfStepZero() throws {
        let plan = try fixture.plans(spec("{name: linear-probe}", cache: "float16")
            .replacingOccurrences(of: "lr: 1e-2", with: "lr: 1e-2, warmup_steps: 4, schedule: linear"))[0]
        let trainer = try fixture.trainer(plan)
        var rates: [Double] = []
        for _ in 0 ..< trainer.totalSteps { rates.append(try trainer.trainStep()["lr"]!) }
        XCTAssertEqual(rates[0], 1e-2 / 4, accuracy: 1e-9, "warm-up starts at base·1/warmup on the first step")
        XCTAssertEqual(rates[3], 1e-2, accuracy: 1e-9)
        XCTAssertGreaterThan(rates.last!, 0, "the last update is not taken at the schedule's end value")
    }

    func testQueueRejectsALayerRangeOutsideTheBackboneAndRetrievalWithoutPairs() throws {
        let fixture = try self.fixture
        let synth = "synth-\(UUID().uuidString.prefix(6))"
        try SyntheticFeatureDataset.make(store: fixture.store, name: synth)
        let yaml = """
            name: bad-layers
            dataset: sarcasm
            backbone: \(fixture.backbone)
            task: classification
            method: {name: houlsby, layers: 2-3}
            """
        XCTAssertThrowsError(try ExperimentQueue(store: fixture.store).queue([ExperimentSpec.parse(yaml: yaml, file: "bad.yaml")])) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("bad.yaml:5: key 'method.layers'") && text.contains("outside the backbone's 2 layers"), text)
        }
        let retrieval = "name: bad-pairs\ndataset: \(synth)\ntask: retrieval\nbackbone: \(fixture.backbone)\nmethod: {name: lora}\n"
        XCTAssertThrowsError(try ExperimentQueue(store: fixture.store).queue([ExperimentSpec.parse(yaml: retrieval, file: "r.yaml")])) { error in
            XCTAssertTrue("\(error)".contains("r.yaml:3: key 'task'") && "\(error)".contains("image–text pairs"), "\(error)")
        }
        let queued = try fixture.store.read { try $0.value(Int.self, "SELECT COUNT(*) FROM runs") }
        XCTAssertEqual(queued, 0, "nothing queued")
    }
}

/// A value shared between threads behind a lock.
final class LockedBox<T>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: T
    init(_ value: T) { stored = value }
    var value: T { lock.withLock { stored } }
    func update(_ body: (inout T) -> Void) { lock.withLock { body(&stored) } }
}

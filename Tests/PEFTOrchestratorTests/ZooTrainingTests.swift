import Foundation
import PEFTCLIP
import PEFTMethods
import PEFTTensor
import XCTest
@testable import PEFTOrchestrator

/// The PEFT zoo through the one training loop on a tiny CLIP: each method gets the feeds its reach allows (raw
/// inputs, the cached hidden state of its frozen prefix, or the cached embeddings of a tower it leaves alone),
/// trains, and a cached prefix trains exactly as recomputing it.
final class ZooTrainingTests: XCTestCase {
    nonisolated(unsafe) private static let fixture = Result { try TrainingFixture() }
    private var fixture: TrainingFixture { get throws { try Self.fixture.get() } }

    private func spec(_ method: String, cache: String) -> String {
        "name: zoo\ntask: classification\nmethod: \(method)\ntrain: {epochs: 1, batch_size: 16, lr: 1e-2, cache: \(cache)}\nseeds: [4]\n"
    }

    func testEveryMethodTrainsOnTheFeedsItsReachAllows() throws {
        let cases: [(String, [TowerKind: TowerFeed])] = [
            ("{name: full}", [.vision: .raw, .text: .raw]),
            ("{name: bitfit, layers: upper}", [.vision: .cached(layer: 1), .text: .cached(layer: 1)]),
            ("{name: ia3, towers: text}", [.vision: .embeddings, .text: .raw]),
            ("{name: clip-adapter, towers: both}", [.vision: .embeddings, .text: .embeddings]),
            ("{name: coop, n_ctx: 4}", [.vision: .embeddings, .text: .raw]),
            ("{name: vpt, layers: upper}", [.vision: .cached(layer: 1), .text: .embeddings]),
            ("{name: maple}", [.vision: .raw, .text: .raw]),
            ("{name: prefix, layers: upper}", [.vision: .embeddings, .text: .cached(layer: 1)]),
        ]
        for (method, feeds) in cases {
            let trainer = try fixture.trainer(try fixture.plans(spec(method, cache: "float16"))[0])
            XCTAssertEqual(trainer.data.feeds, feeds, method)
            let descriptor = try XCTUnwrap(MethodRegistry.standard[trainer.config.method])
            XCTAssertEqual(trainer.counts.method, descriptor.parameterCount(trainer.config.methodSettings(descriptor), trainer.model!.config), method)
            let before = trainer.parameters.filter { !$0.0.hasPrefix("head.") }.map(\.1.storage)
            for _ in 0 ..< 2 { XCTAssertTrue(try trainer.trainStep()["loss"]!.isFinite, method) }
            let after = trainer.parameters.filter { !$0.0.hasPrefix("head.") }.map(\.1.storage)
            XCTAssertNotEqual(after, before, "\(method): the method's tensors train")
        }
    }

    func testCachedPrefixesOfPromptsAndBiasesTrainAsRecomputingThem() throws {
        for method in ["{name: vpt, layers: upper, n_prompts: 3}", "{name: prefix, layers: upper}", "{name: bitfit, layers: upper}"] {
            let cached = try fixture.trainer(try fixture.plans(spec(method, cache: "float32"))[0])
            let plain = try fixture.trainer(try fixture.plans(spec(method, cache: "none"))[0])
            XCTAssertTrue(cached.data.feeds.values.contains(.cached(layer: 1)), method)
            XCTAssertFalse(plain.data.feeds.values.contains(.cached(layer: 1)), method)
            for trainer in [cached, plain] { for _ in 0 ..< trainer.totalSteps { _ = try trainer.trainStep() } }
            // k_proj's bias shifts every logit of a query alike, which softmax ignores: its exact gradient is 0, and AdamW
            // turns the rounding noise it gets into steps of size lr, different in the two runs.
            for ((name, x), (_, y)) in zip(cached.parameters, plain.parameters) where !name.hasSuffix("k_proj.bias") {
                let diff = zip(x.storage, y.storage).map { abs($0 - $1) }.max() ?? 0
                XCTAssertLessThan(diff, 1e-4, "\(method): \(name)")
            }
        }
    }

    func testMethodsTrainingBaseTensorsCountEachTensorOnce() throws {
        for method in ["full", "bitfit"] {
            let trainer = try fixture.trainer(try fixture.plans(spec("{name: \(method)}", cache: "float16"))[0])
            let backbone = trainer.model!.config.parameterCount
            XCTAssertEqual(trainer.counts.total, backbone + trainer.counts.head, method)
            let plan = try fixture.plans(spec("{name: \(method)}", cache: "float16"))[0]
            let estimate = try XCTUnwrap(try ParameterEstimate.counts(plan, store: fixture.store))
            XCTAssertEqual(estimate, trainer.counts, method)
        }
    }

    func testTheBaselineSpecQueuesOneRowPerMethodWithItsOwnDefaults() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let spec = try ExperimentSpec.load(path: root.appendingPathComponent("experiments/baselines_sarcasm.yaml").path)
        let plans = spec.expand()
        XCTAssertEqual(plans.count, 12 * 3)
        XCTAssertEqual(Set(plans.map(\.method)), ["linear-probe", "full", "bitfit", "lora", "ia3", "houlsby", "pfeiffer",
                                                  "clip-adapter", "coop", "vpt", "maple"])
        for plan in plans {
            let descriptor = try XCTUnwrap(MethodRegistry.standard[plan.method])
            guard case .map(let section) = plan.config[path: "method"] else { return XCTFail("no method section") }
            XCTAssertEqual(Set(section.keys), Set(descriptor.parameters.map(\.name) + ["name"]), plan.method)
        }
        XCTAssertEqual(Set(plans.filter { $0.method == "vpt" }.compactMap { $0.config[path: "method.depth"]?.stringValue }), ["shallow", "deep"])
    }
}

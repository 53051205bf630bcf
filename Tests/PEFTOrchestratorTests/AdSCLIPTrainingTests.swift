import Foundation
import PEFTMethods
import XCTest
@testable import PEFTOrchestrator

/// AdS-CLIP through the one training loop: both towers start from the feature cache's state entering the first
/// adapted layer, train, and train exactly as when the frozen prefix is recomputed; the repository's grid expands.
final class AdSCLIPTrainingTests: XCTestCase {
    private func spec(_ method: String, cache: String) -> String {
        "name: ads\ntask: classification\nmethod: \(method)\nhead: {fusion: concat}\n"
            + "train: {epochs: 1, batch_size: 16, lr: 1e-2, cache: \(cache)}\nseeds: [4]\n"
    }

    func testUpperLayersTrainFromTheCachedPrefixAsFromRecomputingIt() throws {
        let fixture = try TrainingFixture()
        let method = "{name: ads-clip, bottleneck: 8, sharing: bidirectional}"
        let cached = try fixture.trainer(try fixture.plans(spec(method, cache: "float32"))[0])
        let plain = try fixture.trainer(try fixture.plans(spec(method, cache: "none"))[0])
        XCTAssertEqual(cached.data.feeds, [.vision: .cached(layer: 1), .text: .cached(layer: 1)], "layer 2 of 2 is the upper half")
        XCTAssertEqual(plain.data.feeds, [.vision: .raw, .text: .raw])
        let before = cached.parameters.map(\.1.storage)
        for trainer in [cached, plain] { for _ in 0 ..< trainer.totalSteps { XCTAssertTrue(try trainer.trainStep()["loss"]!.isFinite) } }
        XCTAssertNotEqual(cached.parameters.map(\.1.storage), before)
        for ((name, x), (_, y)) in zip(cached.parameters, plain.parameters) {
            let diff = zip(x.storage, y.storage).map { abs($0 - $1) }.max() ?? 0
            XCTAssertLessThan(diff, 1e-4, name)
        }
        XCTAssertEqual(cached.counts.method, AdSCLIP.descriptor.parameterCount(cached.config.methodSettings(AdSCLIP.descriptor), cached.model!.config))
    }

    /// Sharing would let an image's features see its own caption: retrieval specs are refused at validation.
    func testRetrievalIsRefused() {
        XCTAssertThrowsError(try ExperimentSpec.parse(yaml: "name: r\ndataset: d\ntask: retrieval\nmethod: ads-clip\n", file: "r.yaml")) { error in
            XCTAssertEqual("\(error)", "r.yaml:4: key 'method.name': method 'ads-clip' does not support task 'retrieval'")
        }
    }

    func testTheRepositoryGridExpandsToItsAblationsAndBaselines() throws {
        let spec = try ExperimentSpec.load(path: repositoryRoot.appendingPathComponent("experiments/ads_clip_sarcasm.yaml").path)
        let plans = spec.expand()
        XCTAssertEqual(plans.count, 10 * 3)
        let points = Set(plans.filter { $0.method == "ads-clip" }.map { plan in
            ["sharing", "queue_length", "layers"].map { plan.config[path: "method.\($0)"]!.description }.joined(separator: " ")
        })
        XCTAssertEqual(points, ["none 2 upper", "text_to_visual 2 upper", "visual_to_text 2 upper", "bidirectional 2 upper",
                                "text_to_visual 1 upper", "text_to_visual 2 all", "text_to_visual 1 all"])
        let houlsby = try XCTUnwrap(plans.first { $0.method == "houlsby" })
        XCTAssertEqual(houlsby.config[path: "method.layers"], .string("upper"), "the baselines sit at the same layers")
        XCTAssertEqual(houlsby.config[path: "method.bottleneck"], .int(16), "with the same bottleneck")
        XCTAssertEqual(Set(plans.map(\.method)), ["ads-clip", "linear-probe", "houlsby", "lora"])
    }
}

/// The repository root, from this file's path (Tests/PEFTOrchestratorTests/…).
private let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

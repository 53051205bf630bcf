import Foundation
import PEFTMethods
import XCTest
@testable import PEFTOrchestrator

/// MSE-Adapter through the one training loop on the built-in sentiment data (faces, utterances, audio frames) with a
/// tiny CLIP and the tiny random GPT-2: both output modes train and report their metrics, the run's count equals the
/// method's formula, and a run stopped and restored from its state ends bit for bit like one never interrupted.
final class MSEAdapterTrainingTests: XCTestCase {
    static let lm = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("PEFTLMTests/Fixtures/tiny_gpt2").path

    func spec(_ method: String, task: String = "regression") -> String {
        """
        name: mse-test
        task: \(task)
        method: {name: mse-adapter, lm: \(Self.lm), width: 8, audio_hidden: 4, \(method)}
        head: {fusion: image}
        train: {epochs: 2, batch_size: 8, lr: 1e-2}
        """
    }

    func testBothOutputModesTrainOnSentiment() throws {
        let fixture = try TrainingFixture(examples: 40, dataset: "sentiment")
        let (generate, metrics) = try fixture.train(try fixture.plans(spec("output: generate"))[0])
        for name in ["mae", "corr", "acc2", "acc7", "f1", "unparsed", "loss"] { XCTAssertNotNil(metrics[name], name) }
        XCTAssertTrue(metrics["loss"]!.isFinite)
        XCTAssertEqual(generate.counts.head, 0)
        XCTAssertEqual(generate.counts.backbone, generate.model!.baseParameters().reduce(0) { $0 + $1.1.count } + 40_960,
                       "the run's total counts the frozen tiny GPT-2 (40 960 parameters) besides CLIP")
        XCTAssertEqual(generate.counts.method, MSEAdapter.parameterCount(
            MSEAdapter.descriptor.settings(.map(["width": .int(8), "audio_hidden": .int(4)])), lmWidth: 32, imageWidth: 16, audioWidth: 16))
        let (head, emotion) = try fixture.train(try fixture.plans(spec("output: head", task: "classification"))[0])
        XCTAssertGreaterThan(head.counts.head, 0)
        XCTAssertEqual(head.counts.head % 33, 0, "a linear head on the LM's 32-wide state: 33 parameters per class")
        XCTAssertNotNil(emotion["weighted_f1"])
        XCTAssertNotNil(emotion["accuracy"])
    }

    func testRestoredRunEndsBitwiseEqual() throws {
        let fixture = try TrainingFixture(examples: 40, dataset: "sentiment")
        let plan = try fixture.plans(spec("output: generate, pseudo_tokens: 2"))[0]
        let (reference, expected) = try fixture.train(plan)
        let first = try fixture.trainer(plan)
        for _ in 0 ..< first.totalSteps / 2 { _ = try first.trainStep() }
        let state = try first.state()
        let resumed = try fixture.trainer(plan)
        try resumed.restore(state)
        for _ in first.totalSteps / 2 ..< resumed.totalSteps { _ = try resumed.trainStep() }
        for ((name, a), (_, b)) in zip(reference.parameters, resumed.parameters) {
            XCTAssertEqual(a.storage, b.storage, name)
        }
        let got = try resumed.evaluate(split: "test")
        XCTAssertEqual(got.mapValues(\.bitPattern), expected.mapValues(\.bitPattern))
    }
}

import Foundation
import PEFTCLIP
import PEFTTensor
import PEFTTestSupport
import XCTest

/// Per-run models over one frozen base: trainable own copies of base tensors, and modules a method runs itself.
final class CLIPModelSharingTests: XCTestCase {
    func testOwnCopiesReplaceTheSelectedTensorsOnlyInTheRunsModel() {
        let base = tinyModel()
        let run = CLIPModel(sharingWeightsOf: base)
        let selected: Set<String> = ["text_model.embeddings.token_embedding.weight", "vision_model.pre_layrnorm.bias",
                                     "vision_model.encoder.layers.1.mlp.fc1.weight", "text_projection.weight", "logit_scale"]
        let copies = run.trainOwnCopies { selected.contains($0) }
        XCTAssertEqual(Set(copies.map(\.0)), selected)
        let shared = Dictionary(base.baseParameters().map { ($0.0, $0.1) }, uniquingKeysWith: { a, _ in a })
        let now = Dictionary(run.baseParameters().map { ($0.0, $0.1) }, uniquingKeysWith: { a, _ in a })
        for (name, copy) in copies {
            XCTAssertTrue(now[name] === copy, "\(name) is in the run's model")
            XCTAssertFalse(copy === shared[name], name)
            XCTAssertEqual(copy.storage, shared[name]?.storage, name)
            XCTAssertTrue(copy.requiresGrad && shared[name]?.requiresGrad == false, name)
        }
        XCTAssertTrue(run.vision.layers[1].fc1.base.bias === base.vision.layers[1].fc1.base.bias, "the unselected bias stays shared")
        XCTAssertEqual(Set(run.trainableParameters().map(\.0)), selected)

        let batch = tinyBatch([[5, 6], [7]])
        let before = GradMode.noGrad { base.encodeTexts(batch) }
        for (_, copy) in copies { copy.storage = copy.storage.map { $0 + 0.1 } }
        XCTAssertEqual(GradMode.noGrad { base.encodeTexts(batch) }.storage, before.storage, "the shared model is unchanged")
        XCTAssertNotEqual(GradMode.noGrad { run.encodeTexts(batch) }.storage, before.storage)
    }

    func testMethodModulesAreListedUnderTheirNamesAndNotSaved() throws {
        let model = tinyModel()
        let extra = Linear(weight: Tensor.zeros([2, 3], requiresGrad: true), bias: nil)
        model.methodModules.append((name: "prompt_learner", module: extra))
        XCTAssertEqual(model.trainableParameters().map(\.0), ["prompt_learner.weight"])
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sharing-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        try model.save(to: directory)
        XCTAssertFalse(try SafeTensorsFile(contentsOf: directory.appendingPathComponent("model.safetensors")).names.contains("prompt_learner.weight"))
    }
}

import PEFTCLIP
import PEFTTensor
import PEFTTestSupport
import XCTest
@testable import PEFTMethods

/// Full fine-tuning: what `BaseTensorScope` selects, and that trained base tensors are own copies.
final class FullFineTuningTests: XCTestCase {
    func testCountsAtViTB32() {
        let config = CLIPConfig()
        XCTAssertEqual(config.parameterCount, 151_277_313)
        let full = FullFineTuning.descriptor
        XCTAssertEqual(full.parameterCount(full.settings(nil), config), 151_277_312, "everything but logit_scale")
        XCTAssertEqual(full.parameterCount(full.settings(.map(["towers": .string("vision")])), config),
                       config.parameterSpecs().filter { $0.name.hasPrefix("vision_model.") || $0.name.hasPrefix("visual_projection.") }
                           .reduce(0) { $0 + $1.shape.reduce(1, *) })
    }

    func testScopeOfAnUpperRangeLeavesTheInputStageAndLowerLayersOut() {
        let scope = BaseTensorScope(towers: .vision, layers: .upper)
        let config = TinyCLIP.config
        for key in ["vision_model.encoder.layers.1.self_attn.q_proj.weight", "vision_model.encoder.layers.1.layer_norm2.bias",
                    "vision_model.post_layernorm.weight", "visual_projection.weight"] {
            XCTAssertTrue(scope.contains(key, config: config), key)
        }
        for key in ["vision_model.encoder.layers.0.mlp.fc1.bias", "vision_model.embeddings.class_embedding",
                    "vision_model.pre_layrnorm.bias", "text_model.encoder.layers.1.mlp.fc1.bias", "text_projection.weight",
                    "logit_scale"] {
            XCTAssertFalse(scope.contains(key, config: config), key)
        }
        XCTAssertEqual(scope.reach(.vision, layers: 2), .fromLayer(1))
        XCTAssertEqual(scope.reach(.text, layers: 2), .frozen)
        XCTAssertTrue(BaseTensorScope(towers: .both, layers: .all).contains("text_model.embeddings.token_embedding.weight", config: config))
    }

    func testFullTrainsOwnCopiesAndAnotherRunStillSeesTheFrozenBase() throws {
        let base = TinyCLIP.model()
        let (model, _, trainable, _) = try TinyCLIP.apply(FullFineTuning.descriptor, base: base)
        let shared = Dictionary(base.baseParameters().map { ($0.0, $0.1) }, uniquingKeysWith: { a, _ in a })
        XCTAssertEqual(trainable.count, base.baseParameters().count - 1)
        for (name, tensor) in trainable {
            XCTAssertFalse(tensor === shared[name], "\(name) is the shared tensor")
            XCTAssertEqual(tensor.storage, shared[name]?.storage, "\(name) starts as a copy")
            XCTAssertTrue(tensor.requiresGrad)
        }
        XCTAssertTrue(model.logitScale === base.logitScale, "logit_scale stays shared and frozen")
        for (_, tensor) in trainable { tensor.storage = tensor.storage.map { $0 * 1.5 } }
        let other = CLIPModel(sharingWeightsOf: base)
        let frozen = GradMode.noGrad { StandardEncoding.encode(TinyCLIP.input, model: base) }
        let seen = GradMode.noGrad { StandardEncoding.encode(TinyCLIP.input, model: other) }
        XCTAssertEqual(seen.image!.storage, frozen.image!.storage)
        XCTAssertEqual(seen.text!.storage, frozen.text!.storage)
        // The run's model saves its trained copies under the HF keys.
        let saved = Dictionary(model.baseParameters().map { ($0.0, $0.1) }, uniquingKeysWith: { a, _ in a })
        for (name, tensor) in trainable { XCTAssertTrue(saved[name] === tensor, name) }
    }
}

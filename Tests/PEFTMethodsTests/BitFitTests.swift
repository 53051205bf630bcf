import PEFTCLIP
import PEFTTensor
import PEFTTestSupport
import XCTest
@testable import PEFTMethods

/// BitFit: the bias terms, selected like full fine-tuning's tensors, as own copies.
final class BitFitTests: XCTestCase {
    func testCountsAtViTB32() {
        let bitfit = BitFit.descriptor, config = CLIPConfig()
        // Per vision layer 4·768 + 3072 + 768 (linears) + 2·768 (LayerNorm β) = 8448; per text layer 5632;
        // plus pre_layrnorm and post_layernorm β (768 each) and final_layer_norm β (512).
        XCTAssertEqual(bitfit.parameterCount(bitfit.settings(nil), config), 12 * 8448 + 2 * 768 + 12 * 5632 + 512)
        XCTAssertEqual(bitfit.parameterCount(bitfit.settings(nil), config), 171_008)
    }

    func testBitFitTrainsEveryBiasAndNoWeight() throws {
        let base = TinyCLIP.model()
        let (_, _, trainable, _) = try TinyCLIP.apply(BitFit.descriptor, base: base)
        let names = Set(trainable.map(\.0))
        XCTAssertTrue(names.allSatisfy { $0.hasSuffix(".bias") }, "\(names.sorted())")
        let biases = Set(base.baseParameters().map(\.0).filter { $0.hasSuffix(".bias") })
        XCTAssertEqual(names, biases, "every bias of the backbone, LayerNorm β included")
        for key in ["vision_model.pre_layrnorm.bias", "vision_model.post_layernorm.bias", "text_model.final_layer_norm.bias",
                    "text_model.encoder.layers.0.layer_norm1.bias", "vision_model.encoder.layers.1.mlp.fc2.bias"] {
            XCTAssertTrue(names.contains(key), key)
        }
    }

    func testBitFitOnTheUpperTextLayersStartsAtTheCachedLayer() throws {
        let values: [String: ConfigValue] = ["layers": .string("upper"), "towers": .string("text")]
        let (model, method, trainable, _) = try TinyCLIP.apply(BitFit.descriptor, values, base: TinyCLIP.model())
        XCTAssertEqual(method.reach(.text, in: model), .fromLayer(1))
        XCTAssertEqual(method.reach(.vision, in: model), .frozen)
        XCTAssertEqual(Set(trainable.map(\.0)), [
            "text_model.encoder.layers.1.self_attn.k_proj.bias", "text_model.encoder.layers.1.self_attn.v_proj.bias",
            "text_model.encoder.layers.1.self_attn.q_proj.bias", "text_model.encoder.layers.1.self_attn.out_proj.bias",
            "text_model.encoder.layers.1.layer_norm1.bias", "text_model.encoder.layers.1.mlp.fc1.bias",
            "text_model.encoder.layers.1.mlp.fc2.bias", "text_model.encoder.layers.1.layer_norm2.bias",
            "text_model.final_layer_norm.bias",
        ])
        XCTAssertFalse(model.text.layers[1].layerNorm1.weight.requiresGrad, "γ stays frozen")
    }
}

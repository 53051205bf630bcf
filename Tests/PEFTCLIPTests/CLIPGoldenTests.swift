import Foundation
import PEFTCLIP
import PEFTTensor
import PEFTTestSupport
import XCTest

/// Forward passes against transformers' CLIPModel on two small random checkpoints (fixtures made by
/// scripts/clip/make_goldens.py): every layer's hidden states, pooled outputs, projections and logits agree to
/// max |Δ| ≤ 1e-4 and cosine ≥ 0.99999.
final class CLIPGoldenTests: XCTestCase {
    struct Golden {
        let model: CLIPModel
        let batch: TokenBatch
        let outputs: SafeTensorsFile

        init(_ name: String) throws {
            let directory = Fixtures.url(name)
            model = try CLIPModel.load(from: directory)
            let inputs = try XCTUnwrap(try Fixtures.json("\(name)/inputs.json") as? [String: [[Int]]])
            batch = TokenBatch(ids: try XCTUnwrap(inputs["input_ids"]), attentionMask: try XCTUnwrap(inputs["attention_mask"]))
            outputs = try SafeTensorsFile(contentsOf: directory.appendingPathComponent("goldens.safetensors"))
        }

        func tensor(_ key: String) throws -> Tensor {
            let entry = try XCTUnwrap(outputs.entries[key], "golden \(key) missing")
            return Tensor(shape: entry.shape, storage: try outputs.floats(key))
        }
    }

    func testQuickGeluFloat32Checkpoint() throws { try check("tiny_quickgelu") }

    func testGeluFloat16CheckpointWithLegacyEOSPooling() throws { try check("tiny_gelu_f16") }

    private func check(_ name: String) throws {
        let golden = try Golden(name)
        let model = golden.model
        let pixels = try golden.tensor("pixel_values")

        let text = model.text(golden.batch, recordHiddenStates: true)
        let textStates = try XCTUnwrap(text.hiddenStates)
        XCTAssertEqual(textStates.count, model.config.text.numHiddenLayers + 1)
        for (i, state) in textStates.enumerated() {
            try assertMatches(state, golden.tensor("text.hidden_states.\(i)"), "\(name) text hidden state \(i)")
        }
        try assertMatches(text.lastHiddenState, golden.tensor("text.last_hidden_state"), "\(name) text last")
        try assertMatches(text.pooled, golden.tensor("text.pooler_output"), "\(name) text pooled")
        try assertMatches(text.embeddings, golden.tensor("text.embeds"), "\(name) text embeds")

        let vision = model.vision(pixels, recordHiddenStates: true)
        let visionStates = try XCTUnwrap(vision.hiddenStates)
        XCTAssertEqual(visionStates.count, model.config.vision.numHiddenLayers + 1)
        for (i, state) in visionStates.enumerated() {
            try assertMatches(state, golden.tensor("vision.hidden_states.\(i)"), "\(name) vision hidden state \(i)")
        }
        try assertMatches(vision.lastHiddenState, golden.tensor("vision.last_hidden_state"), "\(name) vision last")
        try assertMatches(vision.pooled, golden.tensor("vision.pooler_output"), "\(name) vision pooled")
        try assertMatches(vision.embeddings, golden.tensor("vision.embeds"), "\(name) image embeds")

        let logits = model.logits(imageEmbeddings: vision.embeddings, textEmbeddings: text.embeddings)
        try assertMatches(logits, golden.tensor("logits_per_image"), "\(name) logits", atol: 1e-3)
        XCTAssertFalse(text.embeddings.hasGraph, "a frozen model records no graph")
    }
}

/// Max |Δ| ≤ `atol` and cosine ≥ 0.99999, shapes equal.
func assertMatches(_ actual: Tensor, _ expected: Tensor, _ label: String, atol: Float = 1e-4,
                   file: StaticString = #filePath, line: UInt = #line) {
    guard actual.shape == expected.shape else {
        XCTFail("\(label): shape \(actual.shape) ≠ \(expected.shape)", file: file, line: line)
        return
    }
    assertClose(actual, expected, rtol: 0, atol: atol, label, file: file, line: line)
    var dot = 0.0, na = 0.0, nb = 0.0
    for (a, b) in zip(actual.storage, expected.storage) {
        dot += Double(a) * Double(b)
        na += Double(a) * Double(a)
        nb += Double(b) * Double(b)
    }
    let cosine = na == 0 && nb == 0 ? 1 : dot / (na.squareRoot() * nb.squareRoot())
    XCTAssertGreaterThanOrEqual(cosine, 0.99999, "\(label): cosine \(cosine)", file: file, line: line)
}

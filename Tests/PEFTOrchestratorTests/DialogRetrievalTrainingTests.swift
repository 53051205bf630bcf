import Foundation
import PEFTCLIP
@testable import PEFTData
import PEFTMethods
import XCTest
@testable import PEFTOrchestrator

/// Retrieval runs on the built-in dialog dataset (image and response retrieval rows): DialCLIP and a baseline train
/// through the one loop and report whole-split, per-type and distractor metrics.
final class DialogRetrievalTrainingTests: XCTestCase {
    private static let shared = Result { try TrainingFixture(examples: 20, dataset: "dialog") }
    private var fixture: TrainingFixture { get throws { try Self.shared.get() } }

    private func spec(_ method: String, cache: String = "none") -> String {
        """
        name: dialog
        task: retrieval
        method: \(method)
        train: {epochs: 3, batch_size: 8, lr: 1e-2, cache: \(cache)}
        seeds: [2]
        """
    }

    func testDialCLIPTrainsOnBothRetrievalTypesAndReportsTheirMetrics() throws {
        let trainer = try fixture.trainer(try fixture.plans(spec("{name: dialclip}"))[0])
        XCTAssertEqual(trainer.data.train.dialog?.filter { $0.type == .response }.count,
                       trainer.data.train.examples.filter { $0.sourceKey.hasPrefix("dialog-r-") }.count)
        let before = try trainer.evaluate(split: "train")
        for _ in 0 ..< trainer.totalSteps { _ = try trainer.trainStep() }
        let after = try trainer.evaluate(split: "train")
        XCTAssertLessThan(after["loss"]!, before["loss"]!)
        let test = try trainer.evaluate(split: "test")
        for name in ["rsum", "image_rsum", "response_rsum", "image_t2i_r1", "response_t2i_r1", "distractor_r1",
                     "distractor_mrr", "image_distractor_r1", "response_distractor_r1"] {
            XCTAssertNotNil(test[name], name)
        }
        XCTAssertNil(after["distractor_r1"], "training batches carry no distractors")
        XCTAssertTrue(trainer.parameters.contains { $0.0 == "dialclip.experts.response.up.weight" })
    }

    func testBaselineOnCachedStatesRetrievesResponsesWithItsTextTower() throws {
        let trainer = try fixture.trainer(try fixture.plans(spec("{name: lora, r: 2, layers: '2'}", cache: "float16"))[0])
        XCTAssertEqual(trainer.data.feeds[.text], .cached(layer: 1))
        _ = try trainer.trainStep()
        let test = try trainer.evaluate(split: "test")
        XCTAssertNotNil(test["response_rsum"])
        XCTAssertNotNil(test["image_distractor_r1"])
    }

    func testMalformedDialogFieldsNameTheExampleAndField() throws {
        let tokenizer = try CLIPTokenizer.bundled()
        let example = ExampleRecord(id: 1, sourceKey: "d-1", split: "train", text: "A: hi", tokenIds: nil, imageSHA256: "x",
                                    label: nil, score: nil, extraJSON: #"{"retrieval": "caption"}"#)
        XCTAssertThrowsError(try DialogRow.rows([example], split: "train", tokenizer: tokenizer)) { error in
            XCTAssertEqual("\(error)", "example 'd-1' (train): field 'retrieval' must be image or response (found 'caption')")
        }
        var missing = example
        missing.extraJSON = #"{"retrieval": "response"}"#
        XCTAssertThrowsError(try DialogRow.rows([missing], split: "train", tokenizer: tokenizer)) { error in
            XCTAssertEqual("\(error)", "example 'd-1' (train): field 'response' must be present on a response retrieval example")
        }
        var plain = example
        plain.extraJSON = #"{"object": "kite"}"#
        XCTAssertNil(try DialogRow.rows([plain], split: "train", tokenizer: tokenizer), "plain pairs are not dialog rows")
    }
}

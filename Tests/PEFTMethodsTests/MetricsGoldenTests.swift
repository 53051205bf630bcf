import Foundation
import XCTest
@testable import PEFTMethods

/// Metrics against scikit-learn / numpy / scipy (Fixtures/metrics_golden.json, made by
/// scripts/reference/make_metric_goldens.py).
final class MetricsGoldenTests: XCTestCase {
    private func cases(_ kind: String) throws -> [[String: Any]] {
        let root = try XCTUnwrap(try Fixtures.json("metrics_golden.json") as? [String: Any])
        return try XCTUnwrap(root[kind] as? [[String: Any]])
    }

    private func assertNear(_ got: Double?, _ expected: Any?, _ label: String, accuracy: Double = 1e-9) {
        guard let expected = expected as? Double else { return XCTFail("\(label): no golden value") }
        guard let got else { return XCTFail("\(label): not computed") }
        XCTAssertEqual(got, expected, accuracy: accuracy, label)
    }

    func testClassificationMatchesScikitLearn() throws {
        for c in try cases("classification") {
            let name = c["name"] as! String, classes = c["num_classes"] as! Int
            let truth = c["y_true"] as! [Int], predictions = c["y_pred"] as! [Int]
            let expected = c["expected"] as! [String: Any]
            let metrics = ClassificationMetrics(classes: classes)
            let got = metrics.compute(predictions: predictions, targets: truth)
            for key in ["accuracy", "weighted_f1"] + (classes == 2 ? ["precision", "recall", "f1"] : []) {
                assertNear(got[key], expected[key], "\(name) \(key)")
            }
            // scikit-learn's default macro average is over the labels seen in targets or predictions.
            assertNear(got["macro_f1"], expected["macro_f1_observed_labels"] ?? expected["macro_f1"], "\(name) macro_f1")
            XCTAssertEqual(metrics.confusionMatrix(predictions: predictions, targets: truth), expected["confusion_matrix"] as? [[Int]], name)
        }
    }

    func testRegressionMatchesMMSAConventions() throws {
        let keys = ["mae": "mae", "corr": "corr", "acc2": "acc2", "f1": "acc2_f1", "acc2_nonzero": "acc2_nonzero",
                    "f1_nonzero": "acc2_nonzero_f1", "acc5": "acc5", "acc7": "acc7"]
        for c in try cases("regression") {
            let name = c["name"] as! String
            let got = RegressionMetrics().compute(predictions: c["y_pred"] as! [Double], targets: c["y_true"] as! [Double])
            let expected = c["expected"] as! [String: Any]
            for (ours, theirs) in keys.sorted(by: { $0.key < $1.key }) {
                if theirs == "corr", expected[theirs] is NSNull {
                    XCTAssertEqual(got["corr"], 0, "\(name): a constant side has no correlation; PEFTLab records 0, never NaN")
                    continue
                }
                assertNear(got[ours], expected[theirs], "\(name) \(ours)", accuracy: 1e-6)
            }
        }
    }

    func testRetrievalMatchesThePessimisticTieRule() throws {
        for c in try cases("retrieval") {
            let name = c["name"] as! String, n = c["n"] as! Int
            let similarity = (c["similarity"] as! [[Double]]).flatMap { $0.map(Float.init) }
            let got = RetrievalMetrics().compute(similarity: similarity, count: n)
            let expected = c["expected"] as! [String: Any]
            for key in ["i2t_r1", "i2t_r5", "i2t_r10", "t2i_r1", "t2i_r5", "t2i_r10", "rsum", "i2t_mrr", "t2i_mrr"] {
                assertNear(got[key], expected[key], "\(name) \(key)")
            }
        }
    }
}

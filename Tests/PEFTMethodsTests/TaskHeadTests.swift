import PEFTCLIP
import PEFTTensor
import PEFTTestSupport
import XCTest
@testable import PEFTMethods

final class TaskHeadTests: XCTestCase {
    private let features = TowerFeatures(image: randomTensor([4, 5], seed: 1), text: randomTensor([4, 5], seed: 2))

    func testFusionWidthsAndValues() {
        for fusion in Fusion.allCases {
            let fused = fusion(features)
            XCTAssertEqual(fused.shape, [4, fusion.width(projection: 5)], fusion.rawValue)
        }
        let product = Fusion.product(features).storage
        let i = features.image!.l2Normalized(axis: 1).storage, t = features.text!.l2Normalized(axis: 1).storage
        assertClose(product, zip(i, t).map(*), rtol: 1e-6, atol: 1e-7)
        XCTAssertEqual(Fusion.concat(features).storage[0 ..< 5], features.image!.storage[0 ..< 5])
        XCTAssertEqual(Fusion.concat(features).storage[5 ..< 10], features.text!.storage[0 ..< 5])
    }

    func testClassificationAndRegressionHeadGradients() {
        for hidden in [0, 3] {
            var rng = RNG(seed: 7)
            let classification = ClassificationHead(classes: 3, head: FeatureHead(fusion: .concatProduct, inputWidth: 15,
                                                                                  hiddenWidth: hidden, outputs: 3, rng: &rng))
            separateFromReLUKink(classification.head)
            let inputs = [("image", features.image!), ("text", features.text!)] + classification.namedParameters()
            XCTAssertEqual(gradientMismatches(inputs, step: 5e-3, rtol: 1e-2) {
                classification.loss(features, targets: Targets(labels: [0, 2, 1, 2]))
            }, [], "classification hidden \(hidden)")
            let regression = RegressionHead(head: FeatureHead(fusion: .sum, inputWidth: 5, hiddenWidth: hidden, outputs: 1, rng: &rng))
            separateFromReLUKink(regression.head)
            XCTAssertEqual(gradientMismatches([("image", features.image!)] + regression.namedParameters(), step: 5e-3, rtol: 1e-2) {
                regression.loss(features, targets: Targets(scores: [-1, 0.5, 2, 0]))
            }, [], "regression hidden \(hidden)")
        }
    }

    /// Hidden units far on either side of ReLU's kink, so finite differences see a smooth function.
    private func separateFromReLUKink(_ head: FeatureHead) {
        guard let hidden = head.hidden else { return }
        hidden.weight.storage = hidden.weight.storage.map { $0 * 10 }
        hidden.bias!.storage = (0 ..< hidden.bias!.count).map { $0 % 2 == 0 ? 2 : -2 }
        head.weight.storage = randomTensor(head.weight.shape, seed: 8, requiresGrad: false).storage
    }

    func testRetrievalHeadInfoNCEGradientIncludesTheTemperature() {
        let head = RetrievalHead(initialLogitScale: 1.2, batchSize: 4)
        let inputs = [("image", features.image!), ("text", features.text!), ("logit_scale", head.logitScale)]
        XCTAssertEqual(gradientMismatches(inputs, step: 1e-2) { head.loss(features, targets: Targets()) }, [])
    }

    func testStandardizationUsesTheGivenStatistics() {
        var rng = RNG(seed: 7)
        let head = FeatureHead(fusion: .image, inputWidth: 5, hiddenWidth: 0, outputs: 2, rng: &rng)
        head.standardize(mean: [1, 1, 1, 1, 1], std: [2, 2, 2, 2, 0])
        let x = head.input(features).storage
        XCTAssertEqual(x[0], (features.image!.storage[0] - 1) / 2, accuracy: 1e-6)
        XCTAssertEqual(x[4], (features.image!.storage[4] - 1) / 1e-6, accuracy: 1, "std floored at 1e-6")
    }
}

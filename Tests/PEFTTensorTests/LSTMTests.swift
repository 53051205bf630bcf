import Foundation
import PEFTTensor
import PEFTTestSupport
import XCTest

/// The LSTM: torch gate layout on a hand-computed step, shapes, and finite differences through time.
final class LSTMTests: XCTestCase {
    func testOneStepMatchesTorchGateFormula() {
        var rng = RNG(seed: 1)
        let lstm = LSTM(inputSize: 2, hiddenSize: 1, rng: &rng)
        lstm.weightIH.storage = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8]  // rows i, f, g, o
        lstm.weightHH.storage = [0, 0, 0, 0]
        lstm.biasIH.storage = [0.1, 0.2, 0.3, 0.4]
        lstm.biasHH.storage = [0.01, 0.02, 0.03, 0.04]
        let x = Tensor(shape: [1, 1, 2], storage: [1, -1])
        let (output, last) = lstm(x)
        func sigmoid(_ v: Double) -> Double { 1 / (1 + Foundation.exp(-v)) }
        let pre = [(0.1 - 0.2) + 0.11, (0.3 - 0.4) + 0.22, (0.5 - 0.6) + 0.33, (0.7 - 0.8) + 0.44]
        let c = sigmoid(pre[0]) * Foundation.tanh(pre[2])  // f·c₀ = 0
        let h = sigmoid(pre[3]) * Foundation.tanh(c)
        XCTAssertEqual(Double(last.scalarValue), h, accuracy: 1e-6)
        XCTAssertEqual(output.shape, [1, 1, 1])
        XCTAssertEqual(lstm.namedParameters().map(\.0), ["weight_ih", "weight_hh", "bias_ih", "bias_hh"])
        XCTAssertEqual(lstm.parameterCount(), 8 + 4 + 4 + 4)
    }

    func testGradientsThroughTime() {
        var rng = RNG(seed: 2)
        let lstm = LSTM(inputSize: 3, hiddenSize: 4, rng: &rng)
        let x = Tensor.randn([2, 3, 3], rng: &rng, requiresGrad: true)
        assertGradientsMatch([("x", x)] + lstm.namedParameters()) { lstm(x).output }
        assertGradientsMatch(lstm.namedParameters()) { lstm(x).last }
    }
}

private extension Tensor {
    var scalarValue: Float { storage[0] }
}

import PEFTCLIP
import PEFTTensor
import PEFTTestSupport
import XCTest
@testable import PEFTMethods

final class LoRATests: XCTestCase {
    private func lora(rank: Int = 3, alpha: Double = 6) -> LoRALinear {
        var rng = RNG(seed: 1)
        let base = Linear(inputSize: 5, outputSize: 4, rng: &rng)
        base.freezeAll()
        return LoRALinear(wrapping: base, rank: rank, alpha: alpha, dropout: 0, mode: ForwardMode(), rng: &rng)
    }

    func testStartsEqualToTheBaseLinear() {
        let layer = lora()
        let x = randomTensor([2, 5], seed: 2, requiresGrad: false)
        assertClose(layer(x), layer.base(x), rtol: 0, atol: 0)
        XCTAssertEqual(layer.loraB.storage, [Float](repeating: 0, count: 12))
        let bound = 1 / Float(5).squareRoot()
        XCTAssertTrue(layer.loraA.storage.allSatisfy { abs($0) <= bound }, "Kaiming-uniform bound 1/√in")
    }

    func testGradientsOfInputAndFactorsMatchFiniteDifferences() {
        let layer = lora()
        layer.loraB.storage = randomTensor([4, 3], seed: 4, requiresGrad: false).storage
        let x = randomTensor([3, 5], seed: 6)
        assertGradientsMatch([("x", x), ("lora_A", layer.loraA), ("lora_B", layer.loraB)], step: 1e-2) { layer(x) }
        XCTAssertNil(layer.base.weight.grad, "the frozen base gets no gradient")
    }

    func testMergedWeightGivesTheSameOutputAndLeavesTheBaseAlone() {
        let layer = lora()
        layer.loraB.storage = randomTensor([4, 3], seed: 4, requiresGrad: false).storage
        let before = layer.base.weight.storage
        let x = randomTensor([2, 5], seed: 2, requiresGrad: false)
        let merged = Linear(weight: layer.mergedWeight(), bias: layer.base.bias)
        assertClose(merged(x), layer(x), rtol: 1e-5, atol: 1e-6)
        XCTAssertEqual(layer.base.weight.storage, before)
    }

    func testDropoutOnlyDuringTrainingAndReproducibleFromTheStep() {
        var rng = RNG(seed: 1)
        let base = Linear(inputSize: 6, outputSize: 6, rng: &rng)
        let mode = ForwardMode()
        let layer = LoRALinear(wrapping: base, rank: 2, alpha: 2, dropout: 0.5, mode: mode, rng: &rng)
        layer.loraB.storage = randomTensor([6, 2], seed: 4, requiresGrad: false).storage
        let x = randomTensor([4, 6], seed: 2, requiresGrad: false)
        let eval = layer(x).storage
        mode.training = true
        mode.rng = RNG(seed: 9, stream: 3)
        let first = layer(x).storage
        mode.rng = RNG(seed: 9, stream: 3)
        XCTAssertEqual(layer(x).storage, first, "same (seed, step) stream, same mask")
        XCTAssertNotEqual(first, eval, "dropout active in training")
        mode.training = false
        XCTAssertEqual(layer(x).storage, eval)
    }

    func testMethodMergeIntoModelMatchesTheWrappedModel() throws {
        let base = TinyCLIP.model()
        let (model, method, trainable, _) = try TinyCLIP.apply(LoRA.descriptor, ["targets": .list([.string("q"), .string("fc2")])], base: base)
        for (i, (_, t)) in trainable.enumerated() where t.shape.count == 2 {
            t.storage = randomTensor(t.shape, seed: UInt64(10 + i), std: 0.1, requiresGrad: false).storage
        }
        let wrapped = GradMode.noGrad { StandardEncoding.encode(TinyCLIP.input, model: model) }
        XCTAssertTrue(method.merge(into: model))
        XCTAssertTrue(model.namedParameters().allSatisfy { !$0.0.contains("lora_") })
        let merged = GradMode.noGrad { StandardEncoding.encode(TinyCLIP.input, model: model) }
        assertClose(merged.image!, wrapped.image!, rtol: 1e-4, atol: 1e-5)
        assertClose(merged.text!, wrapped.text!, rtol: 1e-4, atol: 1e-5)
        let plain = GradMode.noGrad { StandardEncoding.encode(TinyCLIP.input, model: base) }
        XCTAssertGreaterThan(zip(plain.image!.storage, merged.image!.storage).map { abs($0 - $1) }.max() ?? 0, 1e-4,
                             "the shared base model is unchanged by the merge")
    }
}

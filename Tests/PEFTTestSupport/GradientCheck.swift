import PEFTTensor
import XCTest

/// Checks reverse-mode gradients of `function` against central finite differences.
///
/// The output y = function() may have any shape; it is reduced to the scalar L = Σ yᵢ·rᵢ with fixed random weights r
/// (so every output element matters). Analytic gradients come from `L.backward()`. Numeric gradients use the 6-point
/// central stencil [45(L₊₁ − L₋₁) − 9(L₊₂ − L₋₂) + (L₊₃ − L₋₃)] / 60h, truncation error O(h⁶), with L summed in
/// Float64 from the Float32 outputs: the high order lets h be large, which keeps the Float32 rounding of the outputs
/// (amplified ≈ 1.8/h) small. Each element passes when |analytic − numeric| ≤ rtol · max(|analytic|, |numeric|, floor),
/// with floor = `floorFraction` × the largest |numeric| of that input (elements far below the tensor's scale are
/// judged against that scale, as the Float32 forward cannot resolve them relatively).
/// A failure names the input, its shape, the worst multi-index, both values and the relative error.
///
/// - Parameters:
///   - inputs: named tensors to check (they must `requiresGrad`; their values are perturbed and restored).
///   - step: h; keep inputs of kinked functions (relu, abs, max, clamp) more than 3h away from the kinks.
public func assertGradientsMatch(_ inputs: [(String, Tensor)], step: Float = 5e-2, rtol: Double = 1e-3,
                                 floorFraction: Double = 0.01, atol: Double = 1e-5, seed: UInt64 = 99,
                                 file: StaticString = #filePath, line: UInt = #line,
                                 _ function: () -> Tensor) {
    for mismatch in gradientMismatches(inputs, step: step, rtol: rtol, floorFraction: floorFraction, atol: atol,
                                       seed: seed, function) {
        XCTFail(mismatch, file: file, line: line)
    }
}

/// The check behind `assertGradientsMatch`: one message per input whose gradient does not match (empty when all do).
public func gradientMismatches(_ inputs: [(String, Tensor)], step: Float = 5e-2, rtol: Double = 1e-3,
                               floorFraction: Double = 0.01, atol: Double = 1e-5, seed: UInt64 = 99,
                               _ function: () -> Tensor) -> [String] {
    var mismatches: [String] = []
    for (_, t) in inputs { t.zeroGrad() }
    let y = function()
    var rng = RNG(seed: seed, stream: 7)
    let weights = Tensor.randn(y.shape, rng: &rng)
    (y * weights).sum().backward()
    let analytic = inputs.map { $0.1.grad ?? [Float](repeating: 0, count: $0.1.count) }

    func loss() -> Double {
        GradMode.noGrad {
            let out = function()
            precondition(out.shape == y.shape, "assertGradientsMatch: output shape changed to \(out.shape)")
            var total = 0.0
            for i in 0..<out.count { total += Double(out.storage[i]) * Double(weights.storage[i]) }
            return total
        }
    }

    for (k, (name, t)) in inputs.enumerated() {
        var numeric = [Double](repeating: 0, count: t.count)
        for j in 0..<t.count {
            let original = t.storage[j]
            func at(_ delta: Float) -> Double { t.storage[j] = original + delta; return loss() }
            let h = Double(step)
            let plus = (at(step), at(2 * step), at(3 * step)), minus = (at(-step), at(-2 * step), at(-3 * step))
            let value = (45 * (plus.0 - minus.0) - 9 * (plus.1 - minus.1) + (plus.2 - minus.2)) / (60 * h)
            t.storage[j] = original
            numeric[j] = value
        }
        let scale = numeric.map { Swift.abs($0) }.max() ?? 0
        let floor = scale * floorFraction
        var worst = -1
        var worstExcess = 0.0
        for j in 0..<t.count {
            let a = Double(analytic[k][j]), n = numeric[j]
            let excess = Swift.abs(a - n) - (rtol * Swift.max(Swift.abs(a), Swift.abs(n), floor) + atol)
            if !(excess <= worstExcess) { worstExcess = excess; worst = j }
        }
        if worst >= 0 {
            let a = Double(analytic[k][worst]), n = numeric[worst]
            let relative = Swift.abs(a - n) / Swift.max(Swift.abs(a), Swift.abs(n), floor, .leastNonzeroMagnitude)
            mismatches.append("gradient of '\(name)' \(t.shape) differs at \(multiIndex(worst, shape: t.shape)): "
                              + "analytic \(a), numeric \(n), relative error \(relative) > rtol \(rtol) "
                              + "(floor \(floor), atol \(atol))")
        }
    }
    for (_, t) in inputs { t.zeroGrad() }
    return mismatches
}

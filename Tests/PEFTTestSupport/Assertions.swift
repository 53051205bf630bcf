import PEFTTensor
import XCTest

/// Asserts two tensors have the same shape and values within `|a − b| ≤ atol + rtol·|b|` elementwise.
/// A failure names both shapes, or the worst element's multi-index, both values and the tolerances.
public func assertClose(_ actual: Tensor, _ expected: Tensor, rtol: Float = 1e-5, atol: Float = 1e-6,
                        _ message: @autoclosure () -> String = "", file: StaticString = #filePath, line: UInt = #line) {
    guard actual.shape == expected.shape else {
        XCTFail("shape \(actual.shape) ≠ expected \(expected.shape) \(message())", file: file, line: line)
        return
    }
    assertClose(actual.storage, expected.storage, shape: actual.shape, rtol: rtol, atol: atol, message(),
                file: file, line: line)
}

/// Asserts `actual` ≈ `expected` values (shape only used to report the worst index).
public func assertClose(_ actual: [Float], _ expected: [Float], shape: [Int]? = nil, rtol: Float = 1e-5,
                        atol: Float = 1e-6, _ message: @autoclosure () -> String = "",
                        file: StaticString = #filePath, line: UInt = #line) {
    guard actual.count == expected.count else {
        XCTFail("count \(actual.count) ≠ expected \(expected.count) \(message())", file: file, line: line)
        return
    }
    var worst = -1
    var worstExcess: Float = 0
    for i in actual.indices {
        let a = actual[i], e = expected[i]
        if a.isNaN != e.isNaN || (a.isInfinite && a != e) {
            worst = i; worstExcess = .infinity; break
        }
        if a.isNaN || a == e { continue }
        let excess = Swift.abs(a - e) - (atol + rtol * Swift.abs(e))
        if excess > worstExcess { worstExcess = excess; worst = i }
    }
    if worst >= 0 {
        let index = multiIndex(worst, shape: shape ?? [actual.count])
        XCTFail("values differ at \(index) (shape \(shape ?? [actual.count])): got \(actual[worst]), expected "
                + "\(expected[worst]) (rtol \(rtol), atol \(atol)) \(message())", file: file, line: line)
    }
}

/// Row-major multi-index of flat position `flat` in `shape`.
public func multiIndex(_ flat: Int, shape: [Int]) -> [Int] {
    var rest = flat
    var index = [Int](repeating: 0, count: shape.count)
    for d in stride(from: shape.count - 1, through: 0, by: -1) where shape[d] > 0 {
        index[d] = rest % shape[d]
        rest /= shape[d]
    }
    return index
}

/// A tensor of normal values from a fixed-seed stream (tests stay reproducible).
public func randomTensor(_ shape: [Int], seed: UInt64, stream: UInt64 = 0, std: Float = 1,
                         requiresGrad: Bool = true) -> Tensor {
    var rng = RNG(seed: seed, stream: stream)
    return Tensor.randn(shape, std: std, rng: &rng, requiresGrad: requiresGrad)
}

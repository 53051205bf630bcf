/// An optimiser updates parameters in place from their accumulated gradients.
///
/// All of its memory is `state` (a step count and named Float buffers), which is `Codable`: saving it and loading it
/// into a fresh optimiser gives bitwise the same next step. Parameters without a gradient are skipped.
public protocol Optimizer: AnyObject {
    /// Applies one update with learning rate `lr` to `params` (dotted path, tensor); paths key the state buffers.
    func step(_ params: [(String, Tensor)], lr: Float)
    /// Everything needed to resume.
    var state: OptimizerState { get set }
}

/// An optimiser's resumable state: the number of steps taken and per-parameter buffers such as `m.<path>`.
public struct OptimizerState: Codable, Equatable, Sendable {
    /// Steps taken so far (bias corrections depend on it).
    public var step: Int
    /// Named buffers (`m.<path>`, `v.<path>` for AdamW, `momentum.<path>` for SGD), one value per parameter element.
    public var buffers: [String: [Float]]

    public init(step: Int = 0, buffers: [String: [Float]] = [:]) {
        self.step = step
        self.buffers = buffers
    }

    /// Takes buffer `key` out of the dictionary (so it can be updated in place) or makes a zero one of `count`.
    mutating func takeBuffer(_ key: String, count: Int) -> [Float] {
        if let existing = buffers.removeValue(forKey: key) {
            precondition(existing.count == count, "optimizer state: buffer '\(key)' has \(existing.count) values, parameter has \(count)")
            return existing
        }
        return [Float](repeating: 0, count: count)
    }
}

/// Scales all gradients so their global L2 norm is at most `maxNorm` (torch `clip_grad_norm_`: factor
/// maxNorm / (norm + 1e-6) when the norm exceeds maxNorm). Returns the norm before clipping (Double accumulation).
/// A non-finite norm is returned and nothing is scaled.
@discardableResult
public func clipGradNorm(_ params: [(String, Tensor)], maxNorm: Float) -> Float {
    var total = 0.0
    for (_, p) in params {
        guard let g = p.grad else { continue }
        total += g.withPointer { Kernels.sumOfSquares($0, g.count) }
    }
    let norm = total.squareRoot()
    guard norm.isFinite, norm > Double(maxNorm) else { return Float(norm) }
    let factor = Float(Double(maxNorm) / (norm + 1e-6))
    for (_, p) in params {
        guard var g = p.grad else { continue }
        p.grad = nil
        g.withUnsafeMutableBufferPointer { Kernels.scale($0.baseAddress!, factor, $0.baseAddress!, $0.count) }
        p.grad = g
    }
    return Float(norm)
}

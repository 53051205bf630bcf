import Foundation

/// Learning rate as a pure function of the optimiser step: linear warmup from 0 to `baseLR` over `warmupSteps`, then
/// cosine or linear decay to `minLR` at `totalSteps` (or constant). Resuming at step s gives the same rate as an
/// uninterrupted run.
public struct LRSchedule: Codable, Equatable, Sendable {
    /// The decay after warmup.
    public enum Kind: String, Codable, Sendable { case cosine, linear, constant }

    public var warmupSteps: Int
    public var totalSteps: Int
    public var kind: Kind
    public var baseLR: Float
    public var minLR: Float

    public init(warmupSteps: Int = 0, totalSteps: Int, kind: Kind = .cosine, baseLR: Float, minLR: Float = 0) {
        self.warmupSteps = warmupSteps
        self.totalSteps = totalSteps
        self.kind = kind
        self.baseLR = baseLR
        self.minLR = minLR
    }

    /// The rate for 0-based `step`: baseLR·(step + 1)/warmupSteps during warmup, then the decay over the remaining
    /// steps (progress clamped to [0, 1], so steps past `totalSteps` stay at `minLR`).
    public func lr(at step: Int) -> Float {
        if step < warmupSteps { return baseLR * Float(step + 1) / Float(warmupSteps) }
        let span = Swift.max(totalSteps - warmupSteps, 1)
        let progress = Swift.min(Swift.max(Double(step - warmupSteps) / Double(span), 0), 1)
        switch kind {
        case .constant: return baseLR
        case .linear: return baseLR + (minLR - baseLR) * Float(progress)
        case .cosine: return minLR + (baseLR - minLR) * Float(0.5 * (1 + cos(Double.pi * progress)))
        }
    }
}

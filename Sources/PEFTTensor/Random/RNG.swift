import Foundation

/// A counter-based random number generator (Philox4x32-10) whose whole state is (seed, stream, counter).
///
/// Each draw encrypts the 128-bit block (counter, stream) under the 64-bit seed and then advances `counter`, so a given
/// (seed, stream, counter) always yields the same numbers, independent streams need no coordination (use
/// `RNG(seed: runSeed, stream: epoch)` for the shuffle of each epoch), and the state is three integers to checkpoint.
/// Bulk fills (`fillUniform`, `fillGaussian`) use all 128 bits of each block.
public struct RNG: Codable, Equatable, Sendable {
    /// The key (run or experiment seed).
    public let seed: UInt64
    /// Independent sequence number under the same seed (e.g. epoch, purpose).
    public let stream: UInt64
    /// Blocks consumed so far; the next draw uses this block.
    public var counter: UInt64

    /// Stream 0 of `seed`.
    public init(seed: UInt64) { self.init(seed: seed, stream: 0) }

    /// An independent stream under `seed`, starting at block `counter`.
    public init(seed: UInt64, stream: UInt64, counter: UInt64 = 0) {
        self.seed = seed
        self.stream = stream
        self.counter = counter
    }

    /// The 128-bit block at `counter` of (seed, stream), without changing any state.
    public static func block(seed: UInt64, stream: UInt64, counter: UInt64) -> (UInt32, UInt32, UInt32, UInt32) {
        Philox.block(key: (UInt32(truncatingIfNeeded: seed), UInt32(truncatingIfNeeded: seed >> 32)),
                     counter: (UInt32(truncatingIfNeeded: counter), UInt32(truncatingIfNeeded: counter >> 32),
                               UInt32(truncatingIfNeeded: stream), UInt32(truncatingIfNeeded: stream >> 32)))
    }

    /// Consumes one block.
    @inline(__always)
    private mutating func nextBlock() -> (UInt32, UInt32, UInt32, UInt32) {
        defer { counter &+= 1 }
        return RNG.block(seed: seed, stream: stream, counter: counter)
    }

    /// 64 uniform random bits (one block).
    public mutating func nextUInt64() -> UInt64 {
        let b = nextBlock()
        return UInt64(b.0) | UInt64(b.1) << 32
    }

    /// Uniform in [0, 1) with 24 random bits.
    public mutating func nextFloat() -> Float {
        Float(nextUInt64() >> 40) * 0x1p-24
    }

    /// Standard normal (Box–Muller on one block).
    public mutating func nextGaussian() -> Float {
        let b = nextBlock()
        let u1 = (Double((UInt64(b.0) | (UInt64(b.1) << 32)) >> 11) + 0.5) * 0x1p-53
        let u2 = Double((UInt64(b.2) | (UInt64(b.3) << 32)) >> 11) * 0x1p-53
        return Float((-2 * Foundation.log(u1)).squareRoot() * cos(2 * Double.pi * u2))
    }

    /// Uniform integer in 0..<bound (Lemire's multiply-shift with rejection: unbiased).
    public mutating func nextInt(below bound: Int) -> Int {
        precondition(bound > 0, "RNG.nextInt(below:): bound must be > 0, got \(bound)")
        let n = UInt64(bound)
        let threshold = (0 &- n) % n
        while true {
            let (high, low) = nextUInt64().multipliedFullWidth(by: n)
            if low >= threshold { return Int(high) }
        }
    }

    /// Shuffles `array` in place (Fisher–Yates): every permutation equally likely.
    public mutating func shuffle<T>(_ array: inout [T]) {
        guard array.count > 1 else { return }
        for i in stride(from: array.count - 1, to: 0, by: -1) {
            array.swapAt(i, nextInt(below: i + 1))
        }
    }

    /// A random permutation of 0..<n drawn from the current state *without advancing it*: the same RNG value gives
    /// the same permutation (use a fresh stream per epoch, or `shuffle` to consume draws).
    public func permutation(_ n: Int) -> [Int] {
        var copy = self
        var indices = Array(0..<n)
        copy.shuffle(&indices)
        return indices
    }

    /// Fills `buffer` with uniform values in [low, high), four per block.
    public mutating func fillUniform(_ buffer: UnsafeMutableBufferPointer<Float>, low: Float = 0, high: Float = 1) {
        let scale = (high - low) * 0x1p-24
        func value(_ word: UInt32) -> Float { low + Float(word >> 8) * scale }
        var i = 0
        while i < buffer.count {
            let b = nextBlock()
            buffer[i] = value(b.0)
            if i + 1 < buffer.count { buffer[i + 1] = value(b.1) }
            if i + 2 < buffer.count { buffer[i + 2] = value(b.2) }
            if i + 3 < buffer.count { buffer[i + 3] = value(b.3) }
            i += 4
        }
    }

    /// Fills `buffer` with normal values N(mean, std²), two per block (both Box–Muller outputs).
    public mutating func fillGaussian(_ buffer: UnsafeMutableBufferPointer<Float>, mean: Float = 0, std: Float = 1) {
        var i = 0
        while i < buffer.count {
            let b = nextBlock()
            let u1 = (Double(b.0) + 0.5) * 0x1p-32, u2 = Double(b.1) * 0x1p-32
            let radius = (-2 * Foundation.log(u1)).squareRoot() * Double(std)
            buffer[i] = mean + Float(radius * cos(2 * Double.pi * u2))
            if i + 1 < buffer.count { buffer[i + 1] = mean + Float(radius * sin(2 * Double.pi * u2)) }
            i += 2
        }
    }
}

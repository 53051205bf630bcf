/// Fixed-point filter weights for one axis of a Pillow resize (`precompute_coeffs` + `normalize_coeffs_8bpc` in
/// Pillow's `Resample.c`).
///
/// For each output index, `bounds[2i]` is the first source index and `bounds[2i + 1]` the number of taps;
/// `weights[i * taps ..< i * taps + bounds[2i + 1]]` are the normalised weights scaled by 2^22 and rounded away
/// from zero. Cost: `outSize × taps` kernel evaluations.
struct ResampleCoefficients: Sendable {
    /// Pillow's PRECISION_BITS: 32 − 8 − 2 (8 bits of result, 2 of headroom for negative lobes and overshoot).
    static let precisionBits: Int32 = 22

    /// Maximum taps per output sample (`ksize`).
    let taps: Int
    /// (first source index, tap count) per output sample.
    let bounds: [Int32]
    /// `outSize × taps` fixed-point weights (unused taps are 0).
    let weights: [Int32]

    /// Precomputes weights mapping source span [`in0`, `in1`) of an axis of `inSize` pixels onto `outSize` pixels.
    init(inSize: Int, in0: Float = 0, in1: Float, outSize: Int, filter: ResampleFilter) {
        precondition(inSize > 0 && outSize > 0, "ResampleCoefficients: sizes \(inSize) → \(outSize) must be positive")
        let scale = Double(in1 - in0) / Double(outSize)
        let filterScale = max(scale, 1)
        let support = filter.support * filterScale
        let taps = Int(support.rounded(.up)) * 2 + 1
        var bounds = [Int32](repeating: 0, count: outSize * 2)
        var weights = [Int32](repeating: 0, count: outSize * taps)
        var k = [Double](repeating: 0, count: taps)
        let one = Double(1 << Self.precisionBits)
        for xx in 0..<outSize {
            let center = Double(in0) + (Double(xx) + 0.5) * scale
            let ss = 1 / filterScale
            // C's (int) cast truncates toward zero.
            var xmin = Int(center - support + 0.5)
            if xmin < 0 { xmin = 0 }
            var xmax = Int(center + support + 0.5)
            if xmax > inSize { xmax = inSize }
            xmax -= xmin
            var ww = 0.0
            for x in 0..<taps { k[x] = 0 }
            if xmax > 0 {
                for x in 0..<xmax {
                    let w = filter.weight((Double(x + xmin) - center + 0.5) * ss)
                    k[x] = w
                    ww += w
                }
                for x in 0..<xmax where ww != 0 { k[x] /= ww }
            }
            for x in 0..<taps {
                let v = k[x]
                weights[xx * taps + x] = v < 0 ? Int32(-0.5 + v * one) : Int32(0.5 + v * one)
            }
            bounds[2 * xx] = Int32(xmin)
            bounds[2 * xx + 1] = Int32(max(xmax, 0))
        }
        self.taps = taps
        self.bounds = bounds
        self.weights = weights
    }
}

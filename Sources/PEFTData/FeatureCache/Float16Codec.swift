import Foundation

/// IEEE 754 binary16 storage for cached hidden states: half the bytes of Float32 at a relative error ≤ 2⁻¹¹
/// (≈ 4.9e-4) for |x| in [6.1e-5, 65504].
///
/// Conversion is done on bit patterns (round to nearest, ties to even) so it behaves identically on every platform,
/// including those without Swift's `Float16` type (Intel macOS). Finite values beyond ±65504 saturate to ±65504
/// instead of becoming infinities (a cached activation must stay usable); infinities and NaNs are kept.
public enum Float16Codec {
    /// Largest finite half-precision value.
    public static let maxFinite: Float = 65504

    /// The binary16 bit pattern nearest to `value` (ties to even; finite overflow saturates).
    @inline(__always)
    public static func halfBits(_ value: Float) -> UInt16 {
        let bits = value.bitPattern
        let sign = UInt16(truncatingIfNeeded: (bits >> 16) & 0x8000)
        let exponent = Int((bits >> 23) & 0xFF)
        var mantissa = bits & 0x7F_FFFF
        if exponent == 0xFF { return sign | (mantissa == 0 ? 0x7C00 : 0x7E00) }  // ±inf, NaN
        let e = exponent - 127 + 15
        if e >= 31 { return sign | 0x7BFF }                                      // saturate
        if e <= 0 {
            if e < -10 { return sign }                                            // underflows to ±0
            mantissa |= 0x80_0000
            let shift = UInt32(14 - e)
            var half = mantissa >> shift
            let roundBit = (mantissa >> (shift - 1)) & 1
            let sticky = mantissa & ((1 << (shift - 1)) - 1)
            if roundBit == 1 && (sticky != 0 || half & 1 == 1) { half += 1 }
            return sign | UInt16(truncatingIfNeeded: half)
        }
        var half = UInt32(e) << 10 | mantissa >> 13
        let roundBit = mantissa & 0x1000, sticky = mantissa & 0xFFF
        if roundBit != 0 && (sticky != 0 || half & 1 == 1) { half += 1 }
        if half >= 0x7C00 { return sign | 0x7BFF }                               // rounded up past 65504
        return sign | UInt16(truncatingIfNeeded: half)
    }

    /// The Float value of a binary16 bit pattern (exact).
    @inline(__always)
    public static func float(halfBits h: UInt16) -> Float {
        let sign = UInt32(h & 0x8000) << 16
        let exponent = UInt32(h >> 10) & 0x1F
        let mantissa = UInt32(h & 0x3FF)
        if exponent == 0 {
            if mantissa == 0 { return Float(bitPattern: sign) }
            // Subnormal: value = mantissa × 2⁻²⁴.
            let magnitude = Float(mantissa) * 0x1p-24
            return sign == 0 ? magnitude : -magnitude
        }
        if exponent == 0x1F { return Float(bitPattern: sign | 0x7F80_0000 | mantissa << 13) }
        return Float(bitPattern: sign | (exponent + 112) << 23 | mantissa << 13)
    }

    /// Little-endian binary16 bytes of `values` (2 bytes each).
    public static func encode(_ values: [Float]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: values.count * 2)
        values.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBytes { raw in
                let dst = raw.bindMemory(to: UInt16.self)
                for i in 0..<src.count { dst[i] = halfBits(src[i]).littleEndian }
            }
        }
        return out
    }

    /// Floats from little-endian binary16 bytes (a trailing odd byte is ignored).
    public static func decode<Bytes: ContiguousBytes>(_ bytes: Bytes) -> [Float] {
        bytes.withUnsafeBytes { raw in
            let count = raw.count / 2
            return [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
                for i in 0..<count {
                    let h = UInt16(raw[2 * i]) | UInt16(raw[2 * i + 1]) << 8
                    buffer[i] = float(halfBits: h)
                }
                initialized = count
            }
        }
    }
}

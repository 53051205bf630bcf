/// What to do with an alpha channel (or tRNS transparency) when converting to RGB. The raw value is what the
/// preprocessing hash records (`CLIPPreprocessor.cacheKey`), so caches made under one policy are never read under
/// the other.
public enum AlphaPolicy: String, Sendable, Codable, CaseIterable {
    /// Composite over an opaque white background, as transformers 5's `convert_to_rgb` does for a PIL image that
    /// has an alpha band or a `transparency` entry: `Image.alpha_composite(Image.new("RGBA", size, (255, 255, 255,
    /// 255)), image.convert("RGBA")).convert("RGB")`, with Pillow's integer arithmetic. The default.
    case compositeOnWhite
    /// Drop alpha and keep the stored colour, exactly as Pillow's `convert("RGB")` does (as transformers 4.x's
    /// `convert_to_rgb` and OpenAI's CLIP preprocessing do): for parity with models preprocessed that way.
    case drop
}

/// Colour conversions to RGB that reproduce Pillow's `Convert.c` / `AlphaComposite.c` integer arithmetic byte for
/// byte, so decoded pixels equal `np.array(Image.open(f).convert("RGB"))`.
enum PillowConversion {
    /// Converts decoded samples to RGB: grey is replicated, inverted CMYK goes through Pillow's `cmyk2rgb`
    /// (no colour management), alpha follows `alpha`. Cost: one pass over the pixels.
    static func toRGB(_ samples: DecodedSamples, alpha: AlphaPolicy) -> RGBImage {
        let count = samples.width * samples.height
        var out = [UInt8](repeating: 0, count: count * 3)
        let composite = alpha == .compositeOnWhite && samples.layout.hasAlpha
        samples.bytes.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                guard let s = src.baseAddress, let d = dst.baseAddress else { return }
                switch samples.layout {
                case .grey:
                    for i in 0..<count {
                        let v = s[i]
                        d[3 &* i] = v; d[3 &* i &+ 1] = v; d[3 &* i &+ 2] = v
                    }
                case .greyAlpha:
                    for i in 0..<count {
                        var v = s[2 &* i]
                        if composite { v = overWhite(v, alpha: s[2 &* i &+ 1]) }
                        d[3 &* i] = v; d[3 &* i &+ 1] = v; d[3 &* i &+ 2] = v
                    }
                case .rgb:
                    dst.baseAddress?.update(from: s, count: count * 3)
                case .rgba:
                    for i in 0..<count {
                        let a = s[4 &* i &+ 3]
                        for c in 0..<3 {
                            let v = s[4 &* i &+ c]
                            d[3 &* i &+ c] = composite ? overWhite(v, alpha: a) : v
                        }
                    }
                case .cmykInverted:
                    for i in 0..<count {
                        // Pillow unpacks "CMYK;I" (255 - stored), then cmyk2rgb: nk = 255 - k;
                        // out = clip8(nk - MULDIV255(c, nk)). Here nk = stored k.
                        let nk = Int(s[4 &* i &+ 3])
                        for c in 0..<3 {
                            let ink = 255 &- Int(s[4 &* i &+ c])
                            d[3 &* i &+ c] = UInt8(clamping: nk &- mulDiv255(ink, nk))
                        }
                    }
                }
            }
        }
        return RGBImage(width: samples.width, height: samples.height, pixels: out)
    }

    /// Pillow's MULDIV255: round(a × b / 255) computed as ((t >> 8) + t) >> 8 with t = a × b + 128.
    @inline(__always)
    static func mulDiv255(_ a: Int, _ b: Int) -> Int {
        let t = a &* b &+ 128
        return ((t >> 8) &+ t) >> 8
    }

    /// One colour channel of Pillow's `alpha_composite(white, src)`: with an opaque destination the blend weights
    /// are coef1 = a·128 and coef2 = (255 − a)·128 (7 bits of extra precision), rounded by SHIFTFORDIV255.
    @inline(__always)
    static func overWhite(_ value: UInt8, alpha: UInt8) -> UInt8 {
        if alpha == 0 { return 255 }
        let a = UInt32(alpha)
        let blend = 255 * (255 - a)
        let outa255 = a * 255 + blend
        let coef1 = a * 255 * 255 * 128 / outa255
        let coef2 = 255 * 128 - coef1
        let tmp = UInt32(value) * coef1 + 255 * coef2 + (0x80 << 7)
        return UInt8(truncatingIfNeeded: (((tmp >> 8) + tmp) >> 8) >> 7)
    }
}

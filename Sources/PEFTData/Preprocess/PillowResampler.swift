/// Resizes RGB images exactly as Pillow's `Image.resize(size, resample)` does for mode "RGB".
///
/// Two separable passes (each skipped when that axis keeps its size), in Pillow's order: horizontal first, except
/// vertical first when the height shrinks by more than twice as many pixels as the width (`verticalFirst`); a
/// horizontal-first pass only computes the source rows the vertical pass reads. Each output sample starts from 2^21 (rounding),
/// accumulates `pixel × weight` in 32-bit integers with 22-bit fixed-point weights, and is clamped to 0…255 after
/// an arithmetic shift by 22, so the intermediate image is 8-bit as in Pillow. Results are byte-identical to
/// Pillow 13 for the same input pixels (the goldens cover random size pairs, both pass orders and every filter).
///
/// Cost: about `outW × rows × 3 × tapsX + outW × outH × 3 × tapsY` multiply-adds (taps ≈ 4 × scale factor for
/// bicubic). Single-threaded; callers parallelise across images.
public enum PillowResampler {
    /// Returns `image` resized to `width × height` with `filter` (Pillow's default for CLIP is `.bicubic`).
    public static func resize(_ image: RGBImage, width: Int, height: Int,
                              filter: ResampleFilter = .bicubic) -> RGBImage {
        precondition(width > 0 && height > 0, "PillowResampler.resize: target \(width)x\(height) must be positive")
        if width == image.width && height == image.height { return image }
        let vertical = ResampleCoefficients(inSize: image.height, in1: Float(image.height), outSize: height,
                                            filter: filter)
        let horizontal = ResampleCoefficients(inSize: image.width, in1: Float(image.width), outSize: width,
                                              filter: filter)
        if height == image.height {
            return horizontalPass(image, rows: 0..<image.height, coefficients: horizontal, outWidth: width)
        }
        if width == image.width {
            return verticalPass(image, rowOffset: 0, coefficients: vertical, outHeight: height)
        }
        if verticalFirst(inWidth: image.width, inHeight: image.height, outWidth: width, outHeight: height) {
            let tall = verticalPass(image, rowOffset: 0, coefficients: vertical, outHeight: height)
            return horizontalPass(tall, rows: 0..<height, coefficients: horizontal, outWidth: width)
        }
        // Horizontal first, over only the source rows the vertical pass reads.
        let firstRow = Int(vertical.bounds[0])
        let lastRow = Int(vertical.bounds[2 * height - 2] + vertical.bounds[2 * height - 1])
        let wide = horizontalPass(image, rows: firstRow..<lastRow, coefficients: horizontal, outWidth: width)
        return verticalPass(wide, rowOffset: firstRow, coefficients: vertical, outHeight: height)
    }

    /// Pillow ≥ 12's pass order: vertical first when the height shrinks and loses more than twice as many rows as
    /// the width loses columns; horizontal first otherwise (older Pillow always went horizontal first). The order
    /// changes rounding of the 8-bit intermediate, so it matters for byte equality.
    static func verticalFirst(inWidth: Int, inHeight: Int, outWidth: Int, outHeight: Int) -> Bool {
        inHeight >= outHeight && (inHeight - outHeight) > (inWidth - outWidth) * 2
    }

    /// Pillow's clip8: arithmetic shift by PRECISION_BITS, then clamp to a byte.
    @inline(__always)
    static func clip8(_ value: Int32) -> UInt8 {
        let shifted = value >> ResampleCoefficients.precisionBits
        return shifted < 0 ? 0 : (shifted > 255 ? 255 : UInt8(truncatingIfNeeded: shifted))
    }

    static let half: Int32 = 1 << (ResampleCoefficients.precisionBits - 1)

    static func horizontalPass(_ image: RGBImage, rows: Range<Int>, coefficients: ResampleCoefficients,
                               outWidth: Int) -> RGBImage {
        let inStride = image.width * 3, outStride = outWidth * 3
        let taps = coefficients.taps
        let out = image.pixels.withUnsafeBufferPointer { srcBuffer in
            coefficients.weights.withUnsafeBufferPointer { weightBuffer in
                coefficients.bounds.withUnsafeBufferPointer { boundBuffer in
                    [UInt8](unsafeUninitializedCapacity: outStride * rows.count) { dstBuffer, initialized in
                        initialized = outStride * rows.count
                        guard let src = srcBuffer.baseAddress, let dst = dstBuffer.baseAddress,
                              let weights = weightBuffer.baseAddress, let bounds = boundBuffer.baseAddress
                        else { return }
                        for (row, y) in rows.enumerated() {
                            let srcRow = src + y &* inStride
                            let dstRow = dst + row &* outStride
                            for xx in 0..<outWidth {
                                let xmin = Int(bounds[2 &* xx]), count = Int(bounds[2 &* xx &+ 1])
                                let k = weights + xx &* taps
                                var r = half, g = half, b = half
                                var p = srcRow + xmin &* 3
                                for x in 0..<count {
                                    let w = k[x]
                                    r = r &+ Int32(p[0]) &* w
                                    g = g &+ Int32(p[1]) &* w
                                    b = b &+ Int32(p[2]) &* w
                                    p += 3
                                }
                                dstRow[3 &* xx] = clip8(r)
                                dstRow[3 &* xx &+ 1] = clip8(g)
                                dstRow[3 &* xx &+ 2] = clip8(b)
                            }
                        }
                    }
                }
            }
        }
        return RGBImage(width: outWidth, height: rows.count, pixels: out)
    }

    static func verticalPass(_ image: RGBImage, rowOffset: Int, coefficients: ResampleCoefficients,
                             outHeight: Int) -> RGBImage {
        let stride = image.width * 3
        let taps = coefficients.taps
        var accumulator = [Int32](repeating: 0, count: stride)
        let out = image.pixels.withUnsafeBufferPointer { srcBuffer in
            coefficients.weights.withUnsafeBufferPointer { weightBuffer in
                accumulator.withUnsafeMutableBufferPointer { accBuffer in
                    [UInt8](unsafeUninitializedCapacity: stride * outHeight) { dstBuffer, initialized in
                        initialized = stride * outHeight
                        guard let src = srcBuffer.baseAddress, let dst = dstBuffer.baseAddress,
                              let acc = accBuffer.baseAddress, let weights = weightBuffer.baseAddress
                        else { return }
                        for yy in 0..<outHeight {
                            let ymin = Int(coefficients.bounds[2 &* yy]) &- rowOffset
                            let count = Int(coefficients.bounds[2 &* yy &+ 1])
                            let k = weights + yy &* taps
                            // Row-wise accumulation: the same integer sums as Pillow's per-pixel loop (wrapping
                            // Int32 addition is associative, so the order of the taps cannot change a result).
                            for i in 0..<stride { acc[i] = half }
                            for y in 0..<count {
                                let w = k[y]
                                let row = src + (ymin &+ y) &* stride
                                for i in 0..<stride { acc[i] = acc[i] &+ Int32(row[i]) &* w }
                            }
                            let dstRow = dst + yy &* stride
                            for i in 0..<stride { dstRow[i] = clip8(acc[i]) }
                        }
                    }
                }
            }
        }
        return RGBImage(width: image.width, height: outHeight, pixels: out)
    }
}

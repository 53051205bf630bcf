/// A preprocessed image: float32 pixel values, channels first (`[channels, height, width]`).
public struct PixelValues: Sendable, Equatable {
    /// Number of channels (3).
    public let channels: Int
    public let height: Int
    public let width: Int
    /// `channels × height × width` values, channel planes one after another.
    public var values: [Float]

    /// Shape `[channels, height, width]`.
    public var shape: [Int] { [channels, height, width] }
}

/// CLIP image preprocessing, reproducing transformers' `CLIPImageProcessor` (Pillow backend) step by step:
///
/// 1. decode and convert to RGB (`ImageDecoder`: transformers 5's `convert_to_rgb`, i.e. Pillow's `convert("RGB")`
///    with transparency composited on white unless `alpha` is `.drop`; EXIF orientation applied);
/// 2. resize so the shortest edge is `size` (long edge truncated: `int(size × long / short)`) with Pillow's
///    fixed-point resampler (`PillowResampler`);
/// 3. centre crop: top = ⌊(H − h) / 2⌋, left = ⌊(W − w) / 2⌋, zero-padding when the image is smaller;
/// 4. rescale: `Float(Double(v) × rescale_factor)` (float64 product, then float32, as numpy does);
/// 5. normalise in float32: `(x − mean) / std` per channel; output channels first.
///
/// Steps 2–3 are byte-identical to Pillow + transformers and 4–5 bit-identical for the same pixels. The optional
/// fast path (`fastDecode`) decodes large JPEGs at 1/2–1/8 scale in the DCT domain, never below the resize
/// target; its output is close to but not bit-identical with the reference.
/// Thread-safe value type: preprocess many images in parallel with one instance.
public struct CLIPPreprocessor: Sendable {
    /// The processor settings (from `preprocessor_config.json`).
    public let config: CLIPPreprocessConfig
    /// How images are decoded (alpha policy, strictness, fast JPEG path).
    public let decodeOptions: ImageDecodeOptions

    /// Makes a preprocessor. `alpha` picks transformers 5's white compositing (the default) or Pillow's
    /// `convert("RGB")` (`.drop`, transformers 4.x / OpenAI CLIP); `fastDecode` enables DCT-domain downscaling of
    /// large JPEGs; images with more than `maxPixels` pixels are refused.
    public init(config: CLIPPreprocessConfig = CLIPPreprocessConfig(), alpha: AlphaPolicy = .compositeOnWhite,
                fastDecode: Bool = false, strict: Bool = true, maxPixels: Int = ImageDecodeOptions.pillowMaxPixels) {
        self.config = config
        var options = ImageDecodeOptions(strict: strict, alpha: alpha, maxPixels: maxPixels)
        if fastDecode && config.doResize {
            switch config.size {
            case .shortestEdge(let edge): options.jpegMinimumShortEdge = edge
            case .exact(let h, let w): options.jpegMinimumShortEdge = max(h, w)
            }
        }
        self.decodeOptions = options
    }

    /// Hex SHA-256 of everything that changes the output values (config, alpha policy, fast path); the
    /// "preprocessing hash" that keys the `image_tensors` and feature caches.
    public var cacheKey: String {
        let fast = decodeOptions.jpegMinimumShortEdge.map { "dct>=\($0)" } ?? "exact"
        return SHA256.hexDigest(config.canonicalDescription + ";alpha=\(decodeOptions.alpha.rawValue);decode=\(fast)")
    }

    /// The size (width, height) the resize step produces for a `width × height` input.
    public func resizedSize(width: Int, height: Int) -> (width: Int, height: Int) {
        guard config.doResize else { return (width, height) }
        switch config.size {
        case .exact(let h, let w):
            return (w, h)
        case .shortestEdge(let edge):
            let short = min(width, height), long = max(width, height)
            // Python: int(size * long / short), true division in float64 then truncation.
            let newLong = Int(Double(edge * long) / Double(short))
            return width <= height ? (edge, newLong) : (newLong, edge)
        }
    }

    /// Decodes `data` and runs the whole pipeline.
    /// - Throws: `ImageDecodeError` when the bytes are not a readable JPEG/PNG.
    public func preprocess(_ data: [UInt8]) throws(ImageDecodeError) -> PixelValues {
        try pixelValues(try ImageDecoder.decode(data, options: decodeOptions))
    }

    /// Steps 2–3: resize then centre crop, still 8-bit (the stage compared byte for byte with Pillow).
    /// - Throws: `ImageDecodeError.resizeTooLarge` when the resized image would exceed `decodeOptions.maxPixels`.
    public func resizedAndCropped(_ image: RGBImage) throws(ImageDecodeError) -> RGBImage {
        var current = image
        if config.doResize {
            let target = resizedSize(width: image.width, height: image.height)
            let (pixels, overflow) = target.width.multipliedReportingOverflow(by: target.height)
            if overflow || pixels > decodeOptions.maxPixels {
                throw .resizeTooLarge(width: image.width, height: image.height, targetWidth: target.width,
                                      targetHeight: target.height, limit: decodeOptions.maxPixels)
            }
            current = PillowResampler.resize(image, width: target.width, height: target.height,
                                             filter: config.resample)
        }
        if config.doCenterCrop {
            current = Self.centerCrop(current, height: config.cropHeight, width: config.cropWidth)
        }
        return current
    }

    /// Steps 2–5 on an already decoded image.
    public func pixelValues(_ image: RGBImage) throws(ImageDecodeError) -> PixelValues {
        normalized(try resizedAndCropped(image))
    }

    /// Steps 4–5: rescale and normalise an 8-bit image into channels-first float32 values.
    public func normalized(_ image: RGBImage) -> PixelValues {
        let plane = image.width * image.height
        var table = [Float](repeating: 0, count: 3 * 256)
        for c in 0..<3 {
            let mean = Float(config.imageMean[c]), std = Float(config.imageStd[c])
            for v in 0..<256 {
                var x = config.doRescale ? Float(Double(v) * config.rescaleFactor) : Float(v)
                if config.doNormalize { x = (x - mean) / std }
                table[c * 256 + v] = x
            }
        }
        let values = [Float](unsafeUninitializedCapacity: 3 * plane) { dst, initialized in
            image.pixels.withUnsafeBufferPointer { src in
                table.withUnsafeBufferPointer { lut in
                    guard let s = src.baseAddress, let d = dst.baseAddress, let t = lut.baseAddress else { return }
                    for c in 0..<3 {
                        let plane0 = d + c &* plane, channelTable = t + c &* 256
                        for i in 0..<plane { plane0[i] = channelTable[Int(s[3 &* i &+ c])] }
                    }
                }
            }
            initialized = 3 * plane
        }
        return PixelValues(channels: 3, height: image.height, width: image.width, values: values)
    }

    /// transformers' `center_crop`: offsets ⌊(H − h) / 2⌋ and ⌊(W − w) / 2⌋; when the image is smaller than the
    /// crop it is first placed on a zero canvas at ⌈(h − H) / 2⌉, ⌈(w − W) / 2⌉.
    public static func centerCrop(_ image: RGBImage, height cropH: Int, width cropW: Int) -> RGBImage {
        let (h, w) = (image.height, image.width)
        var top = floorDiv(h - cropH, 2), left = floorDiv(w - cropW, 2)
        if top == 0 && left == 0 && h == cropH && w == cropW { return image }
        var canvas = image
        var canvasH = h, canvasW = w
        if !(top >= 0 && top + cropH <= h && left >= 0 && left + cropW <= w) {
            canvasH = max(cropH, h)
            canvasW = max(cropW, w)
            let topPad = (canvasH - h + 1) / 2, leftPad = (canvasW - w + 1) / 2
            var padded = [UInt8](repeating: 0, count: canvasH * canvasW * 3)
            for y in 0..<h {
                let src = y * w * 3, dst = ((y + topPad) * canvasW + leftPad) * 3
                padded[dst..<(dst + w * 3)] = image.pixels[src..<(src + w * 3)]
            }
            canvas = RGBImage(width: canvasW, height: canvasH, pixels: padded)
            top += topPad
            left += leftPad
        }
        let y0 = max(0, top), y1 = min(canvasH, top + cropH)
        let x0 = max(0, left), x1 = min(canvasW, left + cropW)
        let rowBytes = (x1 - x0) * 3
        let out = [UInt8](unsafeUninitializedCapacity: (y1 - y0) * rowBytes) { dst, initialized in
            canvas.pixels.withUnsafeBufferPointer { src in
                guard let s = src.baseAddress, let d = dst.baseAddress else { return }
                for y in y0..<y1 {
                    (d + (y - y0) * rowBytes).update(from: s + (y * canvasW + x0) * 3, count: rowBytes)
                }
            }
            initialized = (y1 - y0) * rowBytes
        }
        return RGBImage(width: x1 - x0, height: y1 - y0, pixels: out)
    }

    private static func floorDiv(_ a: Int, _ b: Int) -> Int {
        let q = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
    }
}

import Foundation
@testable import PEFTData
import XCTest

/// Decoding, resizing and CLIP preprocessing compared with Pillow 13 + transformers' CLIPImageProcessor
/// (goldens from `scripts/data/make_golden.py`).
final class PillowGoldenTests: XCTestCase {
    func testDecodedPixelsEqualPillowConvertRGB() throws {
        let cases = try GoldenCase.all()
        XCTAssertGreaterThanOrEqual(cases.count, 25)
        for golden in cases {
            let image = try ImageDecoder.decode(try Fixtures.bytes("images", golden.image),
                                                options: ImageDecodeOptions(alpha: .drop))
            XCTAssertEqual([image.height, image.width, 3], golden.decodedShape, golden.image)
            if let decoded = golden.decoded {
                let expected = try GoldenCase.goldenImage(decoded)
                guard expected.width == image.width, expected.height == image.height else { continue }
                let diff = ByteDifference(image, expected)
                XCTAssertEqual(diff.differing, 0, "\(golden.image) (\(golden.mode)): \(diff)")
            }
            XCTAssertEqual(SHA256.hexDigest(image.pixels), golden.decodedSHA256, golden.image)
        }
    }

    func testResizeMatchesPillowBicubicOnReferencePixels() throws {
        var worst = 0, differing = 0, total = 0
        for golden in try GoldenCase.all() {
            let source = try ImageDecoder.decode(try Fixtures.bytes("images", golden.image),
                                                 options: ImageDecodeOptions(alpha: .drop))
            for config in golden.configs {
                let processor = try GoldenCase.preprocessor(config.name)
                let expected = try GoldenCase.goldenImage(config.resized)
                let size = processor.resizedSize(width: source.width, height: source.height)
                XCTAssertEqual([size.height, size.width], [expected.height, expected.width],
                               "\(golden.image)/\(config.name): output size")
                let resized = PillowResampler.resize(source, width: size.width, height: size.height)
                guard resized.width == expected.width, resized.height == expected.height else { continue }
                let diff = ByteDifference(resized, expected)
                XCTAssertLessThanOrEqual(diff.maxDifference, 1, "\(golden.image)/\(config.name): \(diff)")
                worst = max(worst, diff.maxDifference)
                differing += diff.differing
                total += diff.total
            }
        }
        let identical = Double(total - differing) / Double(max(total, 1))
        XCTAssertGreaterThanOrEqual(identical, 0.999, "\(differing)/\(total) resized samples differ")
        XCTAssertEqual(differing, 0, "expected byte-identical resizes; max |Δ| \(worst)")
    }

    func testResizeGridMatchesPillowForEveryFilterAndPassOrder() throws {
        let data = try Data(contentsOf: Fixtures.url("golden", "golden.json"))
        let root = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        let grid = try XCTUnwrap(root?["resize_grid"] as? [String: Any])
        let targets = try XCTUnwrap(grid["targets"] as? [[String: Int]])
        let source = try GoldenCase.goldenImage(try XCTUnwrap(grid["source"] as? String))
        let outputs = try NPYFile.read(Fixtures.url("golden", try XCTUnwrap(grid["outputs"] as? String))).data
        var offset = 0, verticalFirst = 0
        for target in targets {
            let (w, h) = (target["width"] ?? 0, target["height"] ?? 0)
            let filter = try XCTUnwrap(ResampleFilter(rawValue: target["resample"] ?? 0))
            let count = w * h * 3
            let expected = RGBImage(width: w, height: h, pixels: Array(outputs[offset..<(offset + count)]))
            offset += count
            let actual = PillowResampler.resize(source, width: w, height: h, filter: filter)
            XCTAssertEqual(ByteDifference(actual, expected).differing, 0,
                           "\(source.width)x\(source.height) → \(w)x\(h) \(filter): \(ByteDifference(actual, expected))")
            if PillowResampler.verticalFirst(inWidth: source.width, inHeight: source.height, outWidth: w, outHeight: h),
               w != source.width { verticalFirst += 1 }
        }
        XCTAssertEqual(offset, outputs.count)
        XCTAssertGreaterThanOrEqual(verticalFirst, 3, "grid should exercise Pillow's vertical-first order")
    }

    func testPixelValuesMatchCLIPImageProcessor() throws {
        var maxError: Float = 0
        for golden in try GoldenCase.all() {
            let bytes = try Fixtures.bytes("images", golden.image)
            for config in golden.configs {
                let processor = try GoldenCase.preprocessor(config.name)
                let pixels = try processor.preprocess(bytes)
                let expected: [Float]
                var actual = pixels.values
                if let file = config.pixels {
                    let array = try NPYFile.read(Fixtures.url("golden", file))
                    XCTAssertEqual(array.shape, pixels.shape, "\(golden.image)/\(config.name)")
                    expected = array.floats
                } else if let file = config.sample {
                    expected = try NPYFile.read(Fixtures.url("golden", file)).floats
                    actual = stride(from: 0, to: actual.count, by: config.sampleStride).map { actual[$0] }
                } else {
                    XCTFail("\(golden.image)/\(config.name): golden has neither pixels nor sample")
                    continue
                }
                XCTAssertEqual(actual.count, expected.count, "\(golden.image)/\(config.name)")
                let error = zip(actual, expected).map { abs($0 - $1) }.max() ?? .infinity
                XCTAssertLessThanOrEqual(error, 0.02, "\(golden.image)/\(config.name)")
                maxError = max(maxError, error)
            }
        }
        XCTAssertEqual(maxError, 0, "expected bit-identical tensors")
    }

    func testCompositeOnWhiteMatchesTransformers5() throws {
        var checked = 0
        for golden in try GoldenCase.all() where golden.alpha {
            let bytes = try Fixtures.bytes("images", golden.image)
            for config in golden.configs {
                guard let file = config.composite else { continue }
                let processor = try GoldenCase.preprocessor(config.name, alpha: .compositeOnWhite)
                let expected = try NPYFile.read(Fixtures.url("golden", file)).floats
                let actual = try processor.preprocess(bytes).values
                let error = zip(actual, expected).map { abs($0 - $1) }.max() ?? .infinity
                XCTAssertEqual(error, 0, "\(golden.image)/\(config.name): composite on white")
                checked += 1
            }
        }
        XCTAssertGreaterThanOrEqual(checked, 4)
    }

    /// The default preprocessing is transformers 5's: an alpha image preprocessed with no alpha option equals
    /// `CLIPImageProcessorPil` fed the image with its alpha (composited on white), bit for bit, and differs from
    /// the drop-alpha tensor wherever a pixel is transparent.
    func testDefaultPreprocessingIsTransformers5CompositeOnWhite() throws {
        var checked = 0, differFromDrop = 0
        for golden in try GoldenCase.all() where golden.alpha {
            let bytes = try Fixtures.bytes("images", golden.image)
            for config in golden.configs {
                guard let file = config.composite else { continue }
                let settings = try CLIPPreprocessConfig.read(Fixtures.url("configs", "\(config.name).json"))
                let actual = try CLIPPreprocessor(config: settings).preprocess(bytes).values
                let expected = try NPYFile.read(Fixtures.url("golden", file)).floats
                XCTAssertEqual(actual, expected, "\(golden.image)/\(config.name): default alpha policy")
                if try CLIPPreprocessor(config: settings, alpha: .drop).preprocess(bytes).values != actual {
                    differFromDrop += 1
                }
                checked += 1
            }
        }
        XCTAssertGreaterThanOrEqual(checked, 4)
        XCTAssertGreaterThan(differFromDrop, 0, "the alpha fixtures should have transparent pixels")
        XCTAssertNotEqual(CLIPPreprocessor().cacheKey, CLIPPreprocessor(alpha: .drop).cacheKey,
                          "the policy must be part of the preprocessing hash")
    }

    func testFastDecodeStaysCloseAndNeverGoesBelowTarget() throws {
        let bytes = try Fixtures.bytes("images", "photo224_progressive.jpg")
        let config = try CLIPPreprocessConfig.read(Fixtures.url("configs", "se32.json"))
        let exact = CLIPPreprocessor(config: config)
        let fast = CLIPPreprocessor(config: config, fastDecode: true)
        XCTAssertNotEqual(exact.cacheKey, fast.cacheKey)
        XCTAssertEqual(try ImageDecoder.jpegScale(bytes, minimumShortEdge: 32), 4)  // 300x240 → 75x60 at 1/4
        let a = try exact.preprocess(bytes).values, b = try fast.preprocess(bytes).values
        let meanError = zip(a, b).map { abs($0 - $1) }.reduce(0, +) / Float(a.count)
        XCTAssertLessThan(meanError, 0.1, "fast decode drifts too far from the exact path")
        XCTAssertEqual(try ImageDecoder.jpegScale(bytes, minimumShortEdge: 224), 1)
    }
}

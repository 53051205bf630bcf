import CJPEG
@testable import PEFTData
import XCTest

/// The C shims through their Swift wrappers: round trips, every PNG layout, strictness, and failures that must
/// come back as errors (never a crash, never silently grey pixels).
final class ImageCodecTests: XCTestCase {
    func testJPEGRoundTripIsCloseAndProbeReportsHeader() throws {
        let image = TestImages.gradient(width: 67, height: 41)
        let bytes = try JPEGCodec.encode(image, quality: 95)
        XCTAssertEqual(ImageFormat(sniffing: bytes), .jpeg)
        let header = try JPEGCodec.probe(bytes)
        XCTAssertEqual([header.width, header.height, header.components], [67, 41, 3])
        XCTAssertFalse(header.progressive)
        let decoded = try ImageDecoder.decode(bytes)
        XCTAssertLessThan(TestImages.meanAbsoluteDifference(decoded, image), 4)
    }

    func testProgressiveAndScaledDecodes() throws {
        let bytes = try JPEGCodec.encode(TestImages.gradient(width: 203, height: 117), progressive: true)
        XCTAssertTrue(try JPEGCodec.probe(bytes).progressive)
        for (scale, expected) in [(2, (102, 59)), (4, (51, 30)), (8, (26, 15))] {
            let header = try JPEGCodec.probe(bytes, scaleDenominator: scale)
            XCTAssertEqual(header.outputWidth, expected.0, "1/\(scale)")
            XCTAssertEqual(header.outputHeight, expected.1, "1/\(scale)")
        }
        let options = ImageDecodeOptions(jpegMinimumShortEdge: 30)
        let small = try ImageDecoder.decode(bytes, options: options)
        XCTAssertEqual([small.width, small.height], [51, 30], "largest reduction that keeps 30 px on the short edge")
    }

    func testGreyAndCMYKJPEGsDecodeToRGB() throws {
        let grey = [UInt8]((0..<(40 * 30)).map { UInt8($0 % 251) })
        let greyBytes = try JPEGCodec.encode(pixels: grey, width: 40, height: 30, components: 1, quality: 100)
        let greyImage = try ImageDecoder.decode(greyBytes)
        XCTAssertEqual(greyImage.pixels[0], greyImage.pixels[1])
        XCTAssertEqual(greyImage.pixels[1], greyImage.pixels[2])

        // Stored (inverted) CMYK: 255,255,255,255 means no ink → white; K stored 0 → full black.
        var cmyk = [UInt8](repeating: 255, count: 16 * 8 * 4)
        for i in stride(from: 8 * 16 * 4 / 2, to: cmyk.count, by: 4) { cmyk[i + 3] = 0 }
        let cmykBytes = try JPEGCodec.encode(pixels: cmyk, width: 16, height: 8, components: 4, quality: 100)
        XCTAssertEqual(try JPEGCodec.probe(cmykBytes).components, 4)
        let rgb = try ImageDecoder.decode(cmykBytes)
        XCTAssertGreaterThan(rgb[2, 1].0, 245)
        XCTAssertLessThan(rgb[2, 6].0, 10)
    }

    func testEXIFOrientationIsAppliedToJPEG() throws {
        let image = TestImages.gradient(width: 32, height: 16)
        for (orientation, size) in [(1, (32, 16)), (3, (32, 16)), (6, (16, 32)), (8, (16, 32))] {
            let bytes = try JPEGCodec.encode(image, quality: 100, exif: TestImages.exifOrientation(UInt16(orientation)))
            XCTAssertEqual(EXIFOrientation.read(from: bytes).rawValue, orientation)
            let decoded = try ImageDecoder.decode(bytes)
            XCTAssertEqual([decoded.width, decoded.height], [size.0, size.1], "orientation \(orientation)")
            let raw = try ImageDecoder.decode(bytes, options: ImageDecodeOptions(applyEXIFOrientation: false))
            XCTAssertEqual([raw.width, raw.height], [32, 16])
        }
    }

    func testEveryOrientationIsTheMatchingPermutation() {
        let image = TestImages.gradient(width: 5, height: 3)
        for orientation in EXIFOrientation.allCases {
            let out = orientation.apply(to: image)
            XCTAssertEqual(out.pixels.sorted(), image.pixels.sorted(), "\(orientation) must only move pixels")
        }
        // 6 (rotate 90° clockwise to display): the top-left displayed pixel is the bottom-left stored one.
        XCTAssertTrue(EXIFOrientation.right.apply(to: image)[0, 0] == image[0, 2])
        XCTAssertTrue(EXIFOrientation.left.apply(to: image)[0, 0] == image[4, 0])
    }

    func testPNGRoundTripsEveryLayoutExactly() throws {
        let image = TestImages.gradient(width: 23, height: 19)
        for interlaced in [false, true] {
            let bytes = try PNGCodec.encode(image, interlaced: interlaced)
            XCTAssertEqual(try PNGCodec.probe(bytes).interlaced, interlaced)
            XCTAssertEqual(try ImageDecoder.decode(bytes), image, "interlaced \(interlaced)")
        }
        let grey = image.pixels.enumerated().filter { $0.offset % 3 == 0 }.map(\.element)
        let greyImage = try ImageDecoder.decode(try PNGCodec.encode(samples: grey, width: 23, height: 19, colorType: .grey))
        XCTAssertEqual(greyImage.pixels.enumerated().filter { $0.offset % 3 == 1 }.map(\.element), grey)

        // RGBA: composited on white (the default, transformers 5) or alpha dropped (Pillow's convert("RGB")).
        var rgba = [UInt8]()
        for i in 0..<(23 * 19) { rgba += [image.pixels[3 * i], image.pixels[3 * i + 1], image.pixels[3 * i + 2], 0] }
        let rgbaBytes = try PNGCodec.encode(samples: rgba, width: 23, height: 19, colorType: .rgba)
        XCTAssertEqual(try ImageDecoder.decode(rgbaBytes, options: ImageDecodeOptions(alpha: .drop)), image)
        XCTAssertTrue(try ImageDecoder.decode(rgbaBytes).pixels.allSatisfy { $0 == 255 }, "default composites on white")

        // Palette with transparency, indices into a 3-colour palette.
        let indices = (0..<(8 * 4)).map { UInt8($0 % 3) }
        let palette: [UInt8] = [255, 0, 0, 0, 255, 0, 0, 0, 255]
        let paletteBytes = try PNGCodec.encode(samples: indices, width: 8, height: 4, colorType: .palette,
                                               palette: palette, paletteAlpha: [255, 0])
        let decoded = try ImageDecoder.decode(paletteBytes, options: ImageDecodeOptions(alpha: .drop))
        XCTAssertTrue(decoded[1, 0] == (0, 255, 0))
        XCTAssertTrue(try ImageDecoder.decode(paletteBytes)[1, 0] == (255, 255, 255), "default composites on white")
    }

    func testSixteenBitPNGFollowsPillow() throws {
        // RGB16 keeps the high byte; grey16 saturates at 255 (Pillow's I;16 → RGB).
        let rgb16: [UInt16] = [0x12FF, 0x3480, 0xFF00, 0x0001, 0x7F7F, 0x8080]
        let rgb = try ImageDecoder.decode(try PNGCodec.encode16(samples: rgb16, width: 2, height: 1, colorType: .rgb))
        XCTAssertEqual(rgb.pixels, [0x12, 0x34, 0xFF, 0x00, 0x7F, 0x80])
        let grey16: [UInt16] = [0, 1, 200, 255, 256, 65535]
        let grey = try ImageDecoder.decode(try PNGCodec.encode16(samples: grey16, width: 6, height: 1, colorType: .grey))
        XCTAssertEqual(grey.pixels.enumerated().filter { $0.offset % 3 == 0 }.map(\.element), [0, 1, 200, 255, 255, 255])
    }

    func testTruncatedFilesAreErrorsInStrictMode() throws {
        let jpeg = try JPEGCodec.encode(TestImages.gradient(width: 64, height: 64), quality: 90)
        let cut = Array(jpeg.prefix(jpeg.count * 2 / 3))
        XCTAssertThrowsError(try ImageDecoder.decode(cut)) { error in
            guard case .corrupt(.jpeg, "pl_jpeg_decode", let message)? = error as? ImageDecodeError else {
                return XCTFail("expected a corrupt-JPEG error, got \(error)")
            }
            XCTAssertTrue(message.lowercased().contains("premature end"), message)
        }
        let lenient = try ImageDecoder.decode(cut, options: ImageDecodeOptions(strict: false))
        XCTAssertEqual([lenient.width, lenient.height], [64, 64], "non-strict mode salvages what libjpeg can")

        let png = try PNGCodec.encode(TestImages.gradient(width: 64, height: 64))
        XCTAssertThrowsError(try ImageDecoder.decode(Array(png.prefix(png.count - 30))))
        XCTAssertThrowsError(try ImageDecoder.decode(Array(png.prefix(png.count - 12)))) { error in
            XCTAssertTrue("\(error)".contains("PNG"), "missing IEND is a truncated file: \(error)")
        }
        var flipped = png
        flipped[png.count / 2] ^= 0x55
        XCTAssertThrowsError(try ImageDecoder.decode(flipped), "a flipped bit in IDAT fails the CRC or zlib check")
    }

    func testUnsupportedEmptyAndOversizedInputsAreTypedErrors() throws {
        XCTAssertEqual(decodeError([]), .empty)
        let gif = Array("GIF89a....".utf8)
        XCTAssertEqual(decodeError(gif), .unsupportedFormat(head: "47 49 46 38 39 61 2E 2E"))
        let jpeg = try JPEGCodec.encode(TestImages.gradient(width: 50, height: 40))
        XCTAssertEqual(decodeError(jpeg, ImageDecodeOptions(maxPixels: 1000)),
                       .badDimensions(format: .jpeg, width: 50, height: 40, limit: 1000))
        XCTAssertTrue("\(ImageDecodeError.badDimensions(format: .png, width: 1, height: 2, limit: 3))".contains("1x2"))
    }

    func testDecoderSurvivesTwoThousandMutations() throws {
        let seeds = [
            try JPEGCodec.encode(TestImages.gradient(width: 30, height: 20), quality: 80),
            try JPEGCodec.encode(TestImages.gradient(width: 25, height: 17), progressive: true),
            try PNGCodec.encode(TestImages.gradient(width: 21, height: 13)),
            try PNGCodec.encode(TestImages.gradient(width: 19, height: 11), interlaced: true),
        ]
        var generator = SplitMix64(seed: 42)
        var failures = 0, successes = 0
        for trial in 0..<2000 {
            var bytes = seeds[trial % seeds.count]
            switch trial % 4 {
            case 0: bytes = Array(bytes.prefix(Int(generator.next() % UInt64(bytes.count))))
            case 1:
                for _ in 0..<(1 + Int(generator.next() % 4)) {
                    bytes[Int(generator.next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: generator.next())
                }
            case 2:
                let at = Int(generator.next() % UInt64(bytes.count))
                bytes.insert(contentsOf: (0..<8).map { _ in UInt8(truncatingIfNeeded: generator.next()) }, at: at)
            default:
                let at = 2 + Int(generator.next() % UInt64(bytes.count - 2))
                bytes.removeSubrange(at..<min(bytes.count, at + 1 + Int(generator.next() % 16)))
            }
            do {
                let image = try ImageDecoder.decode(bytes)
                XCTAssertEqual(image.pixels.count, image.width * image.height * 3)
                successes += 1
            } catch {
                XCTAssertFalse(error.description.isEmpty)
                failures += 1
            }
        }
        XCTAssertEqual(failures + successes, 2000)
        XCTAssertGreaterThan(failures, 1000, "most mutations must be detected in strict mode")
    }
}

/// The error a decode throws, or nil when it succeeds.
func decodeError(_ bytes: [UInt8], _ options: ImageDecodeOptions = ImageDecodeOptions()) -> ImageDecodeError? {
    do {
        _ = try ImageDecoder.decode(bytes, options: options)
        return nil
    } catch {
        return error
    }
}

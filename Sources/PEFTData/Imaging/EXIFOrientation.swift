/// The EXIF orientation tag (0x0112) and the transpose that undoes it, as Pillow's `ImageOps.exif_transpose` does
/// (and transformers' `load_image` before any preprocessing).
public enum EXIFOrientation: Int, Sendable, CaseIterable {
    /// Tag values 1…8: stored as displayed (1), mirrored (2), rotated 180° (3), flipped (4), transposed (5),
    /// rotated 90° clockwise to display (6), transversed (7), rotated 90° counter-clockwise to display (8).
    case up = 1, upMirrored, down, downMirrored, leftMirrored, right, rightMirrored, left

    /// Reads the orientation from a JPEG's APP1 "Exif" segment or a PNG's eXIf chunk; `.up` when absent or
    /// unreadable (a broken EXIF block never fails a decode). Cost: scans markers/chunk headers only.
    public static func read(from data: [UInt8]) -> EXIFOrientation {
        guard let tiff = tiffBlock(in: data), let value = orientationValue(tiff: tiff),
              let orientation = EXIFOrientation(rawValue: value) else { return .up }
        return orientation
    }

    /// Returns the image as it should be displayed (Pillow's transpose for this orientation).
    public func apply(to image: RGBImage) -> RGBImage {
        let (w, h) = (image.width, image.height)
        let swaps = rawValue >= 5
        let outW = swaps ? h : w, outH = swaps ? w : h
        if self == .up { return image }
        var out = [UInt8](repeating: 0, count: image.pixels.count)
        image.pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for y in 0..<outH {
                    for x in 0..<outW {
                        // (sx, sy): the source pixel shown at display position (x, y).
                        let sx: Int, sy: Int
                        switch self {
                        case .up: (sx, sy) = (x, y)
                        case .upMirrored: (sx, sy) = (w - 1 - x, y)
                        case .down: (sx, sy) = (w - 1 - x, h - 1 - y)
                        case .downMirrored: (sx, sy) = (x, h - 1 - y)
                        case .leftMirrored: (sx, sy) = (y, x)
                        case .right: (sx, sy) = (y, h - 1 - x)
                        case .rightMirrored: (sx, sy) = (w - 1 - y, h - 1 - x)
                        case .left: (sx, sy) = (w - 1 - y, x)
                        }
                        let s = (sy * w + sx) * 3, d = (y * outW + x) * 3
                        dst[d] = src[s]; dst[d + 1] = src[s + 1]; dst[d + 2] = src[s + 2]
                    }
                }
            }
        }
        return RGBImage(width: outW, height: outH, pixels: out)
    }

    /// The TIFF structure inside the first EXIF block of a JPEG (APP1 "Exif\0\0") or PNG (eXIf chunk).
    static func tiffBlock(in data: [UInt8]) -> ArraySlice<UInt8>? {
        switch ImageFormat(sniffing: data) {
        case .jpeg:
            var i = 2
            while i + 4 <= data.count, data[i] == 0xFF {
                let marker = data[i + 1]
                if marker == 0xD8 || marker == 0x01 || (0xD0...0xD7).contains(marker) || marker == 0xFF {
                    i += marker == 0xFF ? 1 : 2
                    continue
                }
                if marker == 0xDA || marker == 0xD9 { return nil }  // start of scan / end of image
                let length = Int(data[i + 2]) << 8 | Int(data[i + 3])
                guard length >= 2, i + 2 + length <= data.count else { return nil }
                let payload = data[(i + 4)..<(i + 2 + length)]
                if marker == 0xE1, payload.starts(with: [0x45, 0x78, 0x69, 0x66, 0, 0]) {
                    return payload.dropFirst(6)
                }
                i += 2 + length
            }
            return nil
        case .png:
            var i = 8
            while i + 12 <= data.count {
                let length = Int(data[i]) << 24 | Int(data[i + 1]) << 16 | Int(data[i + 2]) << 8 | Int(data[i + 3])
                guard length >= 0, i + 12 + length <= data.count else { return nil }
                if data[(i + 4)..<(i + 8)].elementsEqual([0x65, 0x58, 0x49, 0x66]) {  // "eXIf"
                    let payload = data[(i + 8)..<(i + 8 + length)]
                    return payload.starts(with: [0x45, 0x78, 0x69, 0x66, 0, 0]) ? payload.dropFirst(6) : payload
                }
                i += 12 + length
            }
            return nil
        case nil:
            return nil
        }
    }

    /// Finds tag 0x0112 (SHORT) in IFD0 of a TIFF block; nil when malformed.
    static func orientationValue(tiff: ArraySlice<UInt8>) -> Int? {
        let t = Array(tiff)
        guard t.count >= 8 else { return nil }
        let little: Bool
        if t[0] == 0x49 && t[1] == 0x49 { little = true } else if t[0] == 0x4D && t[1] == 0x4D { little = false } else {
            return nil
        }
        func u16(_ o: Int) -> Int? {
            guard o >= 0, o + 2 <= t.count else { return nil }
            return little ? Int(t[o]) | Int(t[o + 1]) << 8 : Int(t[o]) << 8 | Int(t[o + 1])
        }
        func u32(_ o: Int) -> Int? {
            guard let a = u16(o), let b = u16(o + 2) else { return nil }
            return little ? a | b << 16 : a << 16 | b
        }
        guard u16(2) == 42, let ifd = u32(4), let entries = u16(ifd) else { return nil }
        for e in 0..<entries {
            let entry = ifd + 2 + 12 * e
            guard let tag = u16(entry) else { return nil }
            if tag == 0x0112 {
                guard u16(entry + 2) == 3 else { return nil }
                return u16(entry + 8)
            }
        }
        return nil
    }
}

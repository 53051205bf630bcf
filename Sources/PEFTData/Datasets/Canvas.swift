/// An RGB colour.
public struct RGB: Sendable, Equatable {
    /// Red, green and blue intensities (0…255).
    public var r: UInt8, g: UInt8, b: UInt8

    /// A colour from its three channels.
    public init(_ r: UInt8, _ g: UInt8, _ b: UInt8) {
        self.r = r
        self.g = g
        self.b = b
    }

    /// Linear blend: `t` = 0 gives self, 1 gives `other`.
    func mixed(with other: RGB, _ t: Double) -> RGB {
        func mix(_ a: UInt8, _ b: UInt8) -> UInt8 { UInt8(clamping: Int((Double(a) * (1 - t) + Double(b) * t).rounded())) }
        return RGB(mix(r, other.r), mix(g, other.g), mix(b, other.b))
    }

    /// Each channel shifted by up to ±`amount` (seeded).
    func jittered(_ amount: Int, _ rng: inout SplitMix64) -> RGB {
        func j(_ v: UInt8) -> UInt8 { UInt8(clamping: Int(v) + rng.int(in: -amount...amount)) }
        return RGB(j(r), j(g), j(b))
    }
}

/// A tiny software rasteriser for the procedural built-in datasets: filled shapes, gradients, lines and noise on
/// an RGB pixel grid. Shapes are clipped to the canvas; nothing is anti-aliased (JPEG compression softens edges).
struct Canvas {
    let width: Int
    let height: Int
    private(set) var pixels: [UInt8]

    init(width: Int, height: Int, fill: RGB = RGB(0, 0, 0)) {
        self.width = width
        self.height = height
        pixels = [UInt8](repeating: 0, count: width * height * 3)
        fillRect(x: 0, y: 0, width: width, height: height, fill)
    }

    /// A canvas holding a copy of `image`, to draw over.
    init(image: RGBImage) {
        width = image.width
        height = image.height
        pixels = image.pixels
    }

    var image: RGBImage { RGBImage(width: width, height: height, pixels: pixels) }

    @inline(__always)
    mutating func set(_ x: Int, _ y: Int, _ c: RGB) {
        guard x >= 0, y >= 0, x < width, y < height else { return }
        let i = (y * width + x) * 3
        pixels[i] = c.r
        pixels[i + 1] = c.g
        pixels[i + 2] = c.b
    }

    mutating func fillRect(x: Int, y: Int, width w: Int, height h: Int, _ c: RGB) {
        for yy in max(0, y)..<max(max(0, y), min(height, y + h)) {
            for xx in max(0, x)..<max(max(0, x), min(width, x + w)) { set(xx, yy, c) }
        }
    }

    /// Rows from `top` colour at y0 to `bottom` colour at y1 (exclusive).
    mutating func verticalGradient(y0: Int, y1: Int, top: RGB, bottom: RGB) {
        let span = max(1, y1 - y0 - 1)
        for y in max(0, y0)..<max(max(0, y0), min(height, y1)) {
            let c = top.mixed(with: bottom, Double(y - y0) / Double(span))
            for x in 0..<width { set(x, y, c) }
        }
    }

    mutating func fillEllipse(cx: Double, cy: Double, rx: Double, ry: Double, _ c: RGB) {
        guard rx > 0, ry > 0 else { return }
        let y0 = Int((cy - ry).rounded(.down)), y1 = Int((cy + ry).rounded(.up))
        let x0 = Int((cx - rx).rounded(.down)), x1 = Int((cx + rx).rounded(.up))
        let (ya, yb) = (max(0, y0), min(height - 1, y1)), (xa, xb) = (max(0, x0), min(width - 1, x1))
        guard ya <= yb, xa <= xb else { return }
        for y in ya...yb {
            for x in xa...xb {
                let dx = (Double(x) + 0.5 - cx) / rx, dy = (Double(y) + 0.5 - cy) / ry
                if dx * dx + dy * dy <= 1 { set(x, y, c) }
            }
        }
    }

    mutating func fillCircle(cx: Double, cy: Double, r: Double, _ c: RGB) {
        fillEllipse(cx: cx, cy: cy, rx: r, ry: r, c)
    }

    /// A filled convex or concave polygon (even-odd rule over pixel centres).
    mutating func fillPolygon(_ points: [(Double, Double)], _ c: RGB) {
        guard points.count >= 3 else { return }
        let ys = points.map(\.1)
        let y0 = max(0, Int((ys.min() ?? 0).rounded(.down))), y1 = min(height - 1, Int((ys.max() ?? 0).rounded(.up)))
        guard y0 <= y1 else { return }
        for y in y0...y1 {
            let py = Double(y) + 0.5
            var crossings = [Double]()
            for i in points.indices {
                let (ax, ay) = points[i], (bx, by) = points[(i + 1) % points.count]
                if (ay <= py && by > py) || (by <= py && ay > py) {
                    crossings.append(ax + (py - ay) / (by - ay) * (bx - ax))
                }
            }
            crossings.sort()
            var i = 0
            while i + 1 < crossings.count {
                let xa = Int((crossings[i] - 0.5).rounded(.up)), xb = Int((crossings[i + 1] - 0.5).rounded(.down))
                let (lo, hi) = (max(0, xa), min(width - 1, xb))
                if lo <= hi { for x in lo...hi { set(x, y, c) } }
                i += 2
            }
        }
    }

    /// A line of the given thickness (stamped discs along the segment).
    mutating func line(_ x0: Double, _ y0: Double, _ x1: Double, _ y1: Double, thickness: Double, _ c: RGB) {
        let steps = max(1, Int(max(abs(x1 - x0), abs(y1 - y0)).rounded(.up)))
        for s in 0...steps {
            let t = Double(s) / Double(steps)
            fillCircle(cx: x0 + (x1 - x0) * t, cy: y0 + (y1 - y0) * t, r: max(0.5, thickness / 2), c)
        }
    }

    /// Adds uniform noise of ±`amplitude` to every sample (seeded), like sensor noise in a photo.
    mutating func addNoise(_ amplitude: Int, _ rng: inout SplitMix64) {
        guard amplitude > 0 else { return }
        for i in pixels.indices {
            pixels[i] = UInt8(clamping: Int(pixels[i]) + rng.int(in: -amplitude...amplitude))
        }
    }
}

import Foundation

/// The drawing shared by the built-in scene generators (`dialog`, `captions`): place backdrops and object
/// pictograms. Each function draws exactly what its name says and consumes the generator stream in a fixed order,
/// so a dataset's bytes depend only on its seed.
extension DialogDataset {
    /// Fills the canvas with a place backdrop: `beach`, `snow`, `night` or (anything else) a park.
    static func drawBackdrop(_ place: String, on canvas: inout Canvas, rng: inout SplitMix64) {
        let width = canvas.width, height = canvas.height
        let w = Double(width), h = Double(height)
        let horizon = Int(h * (0.55 + 0.15 * rng.unit()))
        switch place {
        case "beach":
            canvas.verticalGradient(y0: 0, y1: horizon, top: RGB(90, 170, 240), bottom: RGB(60, 140, 200))
            canvas.verticalGradient(y0: horizon, y1: height, top: RGB(235, 215, 160), bottom: RGB(220, 195, 140))
        case "snow":
            canvas.verticalGradient(y0: 0, y1: horizon, top: RGB(200, 215, 230), bottom: RGB(235, 240, 245))
            canvas.fillRect(x: 0, y: horizon, width: width, height: height - horizon, RGB(250, 250, 252))
        case "night":
            canvas.verticalGradient(y0: 0, y1: height, top: RGB(10, 15, 45), bottom: RGB(30, 35, 70))
            for _ in 0..<(width * height / 300) { canvas.set(Int(w * rng.unit()), Int(h * 0.6 * rng.unit()), RGB(250, 250, 220)) }
        default:
            canvas.verticalGradient(y0: 0, y1: horizon, top: RGB(120, 190, 245), bottom: RGB(200, 230, 250))
            canvas.fillRect(x: 0, y: horizon, width: width, height: height - horizon, RGB(80, 170, 70))
        }
    }

    /// Draws one `object` pictogram (ball, kite, house, boat, car, fish, tree, star) of size `s` centred at
    /// (`cx`, `cy`) in `color`.
    static func drawObject(_ object: String, on canvas: inout Canvas, cx: Double, cy: Double, s: Double, color: RGB) {
        switch object {
        case "ball":
            canvas.fillCircle(cx: cx, cy: cy, r: s, color)
        case "kite":
            canvas.fillPolygon([(cx, cy - s * 1.2), (cx + s * 0.8, cy), (cx, cy + s * 1.2), (cx - s * 0.8, cy)], color)
            canvas.line(cx, cy + s * 1.2, cx + s * 0.4, cy + s * 2, thickness: 1.5, RGB(60, 60, 60))
        case "house":
            canvas.fillRect(x: Int(cx - s), y: Int(cy - s * 0.2), width: Int(2 * s), height: Int(1.2 * s), color)
            canvas.fillPolygon([(cx - s * 1.2, cy - s * 0.2), (cx, cy - s * 1.2), (cx + s * 1.2, cy - s * 0.2)],
                               RGB(120, 60, 40))
        case "boat":
            canvas.fillPolygon([(cx - s * 1.2, cy + s * 0.3), (cx + s * 1.2, cy + s * 0.3), (cx + s * 0.8, cy + s * 0.8),
                                (cx - s * 0.8, cy + s * 0.8)], color)
            canvas.fillPolygon([(cx, cy - s * 1.1), (cx, cy + s * 0.2), (cx + s * 0.8, cy + s * 0.2)], RGB(245, 245, 240))
        case "car":
            canvas.fillRect(x: Int(cx - s * 1.2), y: Int(cy - s * 0.1), width: Int(2.4 * s), height: Int(0.6 * s), color)
            canvas.fillRect(x: Int(cx - s * 0.6), y: Int(cy - s * 0.55), width: Int(1.2 * s), height: Int(0.5 * s), color)
            for side in [-0.7, 0.7] { canvas.fillCircle(cx: cx + side * s, cy: cy + s * 0.55, r: s * 0.25, RGB(30, 30, 30)) }
        case "fish":
            canvas.fillEllipse(cx: cx, cy: cy, rx: s, ry: s * 0.55, color)
            canvas.fillPolygon([(cx + s * 0.8, cy), (cx + s * 1.5, cy - s * 0.5), (cx + s * 1.5, cy + s * 0.5)], color)
            canvas.fillCircle(cx: cx - s * 0.5, cy: cy - s * 0.1, r: max(1, s * 0.1), RGB(20, 20, 20))
        case "tree":
            canvas.fillRect(x: Int(cx - s * 0.15), y: Int(cy), width: Int(s * 0.3), height: Int(s * 1.1), RGB(110, 75, 45))
            canvas.fillCircle(cx: cx, cy: cy - s * 0.2, r: s * 0.8, color)
        default:  // star
            let points = (0..<10).map { k -> (Double, Double) in
                let angle = Double(k) * Double.pi / 5 - Double.pi / 2
                let radius = k % 2 == 0 ? s * 1.1 : s * 0.45
                return (cx + cos(angle) * radius, cy + sin(angle) * radius)
            }
            canvas.fillPolygon(points, color)
        }
    }
}

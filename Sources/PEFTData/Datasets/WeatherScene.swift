/// Procedural outdoor scenes whose mood is the sarcasm dataset's visual sentiment: bright and sunny (positive) or
/// dark and stormy (negative). Layout, palette and details are randomised so no single pixel statistic is the
/// whole story (a sunny scene can be at dusk, a stormy one can have a bright lightning bolt).
enum WeatherScene {
    static func draw(positive: Bool, width: Int, height: Int, rng: inout SplitMix64) -> RGBImage {
        var canvas = Canvas(width: width, height: height)
        let horizon = Int(Double(height) * (0.55 + 0.2 * rng.unit()))
        let w = Double(width), h = Double(height)
        if positive {
            let dusk = rng.int(in: 0...4) == 0
            let top = (dusk ? RGB(250, 170, 110) : RGB(70, 150, 235)).jittered(20, &rng)
            let bottom = (dusk ? RGB(255, 220, 160) : RGB(180, 225, 255)).jittered(15, &rng)
            canvas.verticalGradient(y0: 0, y1: horizon, top: top, bottom: bottom)
            // Sun with rays.
            let sx = w * (0.15 + 0.7 * rng.unit()), sy = Double(horizon) * (0.2 + 0.4 * rng.unit())
            let r = min(w, h) * (0.08 + 0.06 * rng.unit())
            let sun = RGB(255, 220, 60).jittered(15, &rng)
            for ray in 0..<8 {
                let angle = Double(ray) * Double.pi / 4 + rng.unit() * 0.2
                canvas.line(sx, sy, sx + cos(angle) * r * 1.9, sy + sin(angle) * r * 1.9, thickness: 2, sun)
            }
            canvas.fillCircle(cx: sx, cy: sy, r: r, sun)
            for _ in 0..<rng.int(in: 0...3) { cloud(&canvas, light: true, y: Double(horizon) * 0.35, &rng) }
            let grass = RGB(70, 175, 60).jittered(25, &rng)
            canvas.verticalGradient(y0: horizon, y1: height, top: grass, bottom: grass.mixed(with: RGB(40, 120, 30), 0.5))
            for _ in 0..<rng.int(in: 3...12) {
                let colors = [RGB(250, 80, 90), RGB(255, 230, 70), RGB(250, 250, 250), RGB(200, 110, 230)]
                canvas.fillCircle(cx: w * rng.unit(), cy: Double(horizon) + (h - Double(horizon)) * rng.unit(),
                                  r: 1.5 + 2.5 * rng.unit(), rng.pick(colors))
            }
            if rng.int(in: 0...1) == 0 { tree(&canvas, horizon: horizon, leaves: RGB(50, 160, 50), &rng) }
        } else {
            let top = RGB(35, 40, 55).jittered(12, &rng)
            let bottom = RGB(95, 100, 110).jittered(15, &rng)
            canvas.verticalGradient(y0: 0, y1: horizon, top: top, bottom: bottom)
            for _ in 0..<rng.int(in: 3...6) { cloud(&canvas, light: false, y: Double(horizon) * 0.3, &rng) }
            if rng.int(in: 0...2) == 0 {
                var x = w * (0.2 + 0.6 * rng.unit()), y = 0.0
                let bolt = RGB(255, 250, 200)
                while y < Double(horizon) {
                    let nx = x + (rng.unit() - 0.5) * w * 0.15, ny = y + Double(horizon) * (0.1 + 0.1 * rng.unit())
                    canvas.line(x, y, nx, ny, thickness: 2, bolt)
                    (x, y) = (nx, ny)
                }
            }
            let ground = RGB(60, 62, 58).jittered(12, &rng)
            canvas.verticalGradient(y0: horizon, y1: height, top: ground, bottom: ground.mixed(with: RGB(25, 25, 30), 0.6))
            for _ in 0..<rng.int(in: 1...3) {
                canvas.fillEllipse(cx: w * rng.unit(), cy: Double(horizon) + (h - Double(horizon)) * rng.unit(),
                                   rx: w * 0.1, ry: 3, RGB(45, 55, 75))
            }
            if rng.int(in: 0...1) == 0 { tree(&canvas, horizon: horizon, leaves: RGB(40, 60, 45), &rng) }
            let rain = RGB(150, 160, 185)
            for _ in 0..<(width * height / 90) {
                let x = w * rng.unit(), y = h * rng.unit()
                canvas.line(x, y, x - 2, y + 6, thickness: 1, rain)
            }
        }
        canvas.addNoise(4, &rng)
        return canvas.image
    }

    private static func cloud(_ canvas: inout Canvas, light: Bool, y: Double, _ rng: inout SplitMix64) {
        let w = Double(canvas.width)
        let cx = w * rng.unit(), cy = y * (0.5 + rng.unit())
        let size = w * (0.06 + 0.08 * rng.unit())
        let color = (light ? RGB(250, 250, 252) : RGB(70, 72, 80)).jittered(10, &rng)
        for puff in 0..<4 {
            canvas.fillCircle(cx: cx + Double(puff - 2) * size * 0.8, cy: cy + (rng.unit() - 0.5) * size * 0.6,
                              r: size * (0.7 + 0.5 * rng.unit()), color)
        }
    }

    private static func tree(_ canvas: inout Canvas, horizon: Int, leaves: RGB, _ rng: inout SplitMix64) {
        let w = Double(canvas.width)
        let x = w * (0.1 + 0.8 * rng.unit()), base = Double(horizon) + 4
        let trunk = max(3.0, w * 0.03)
        canvas.fillRect(x: Int(x - trunk / 2), y: Int(base - w * 0.2), width: Int(trunk), height: Int(w * 0.2),
                        RGB(100, 70, 40))
        canvas.fillCircle(cx: x, cy: base - w * 0.22, r: w * 0.09, leaves.jittered(15, &rng))
    }
}

import Foundation

import Foundation

/// The `sentiment` built-in (shaped like CMU-MOSI): an utterance, a face image and an 8 × 16 "audio" feature
/// sequence per example, with a score in [-3, 3] and a 7-class label `round(score) + 3`.
///
/// score = clamp(1.3·t + 1.0·v + 0.7·a + ε, −3, 3) where the text valence t, the facial valence v (mouth curve,
/// eyebrows) and the audio valence a (a pitch/energy contour in feature dims 0–3) are drawn independently, so each
/// modality explains only part of the score.
enum SentimentDataset {
    static let frames = 8
    static let featureDims = 16

    /// (word, valence) pairs: strong and mild positive, neutral, mild and strong negative.
    static let words: [(String, Double)] = [
        ("amazing", 1), ("fantastic", 1), ("brilliant", 1), ("nice", 0.5), ("decent", 0.5), ("pleasant", 0.5),
        ("okay", 0), ("fine", 0), ("average", 0), ("dull", -0.5), ("mediocre", -0.5), ("boring", -0.5),
        ("awful", -1), ("terrible", -1), ("dreadful", -1),
    ]
    static let subjects = ["the movie", "the plot", "the acting", "the ending", "the soundtrack", "the pacing",
                           "the dialogue", "the main character"]
    static let templates = ["i thought {subject} was {word}", "honestly {subject} was {word}",
                            "to me {subject} felt {word}", "{subject} was {word} overall", "i found {subject} {word}"]
    static let negatedTemplates = ["i would not say {subject} was {word}", "{subject} was not {word} at all"]

    static func generate(_ writer: inout DatasetWriter, count: Int) throws {
        let splits = DatasetWriter.splits(count: count, rng: &writer.rng)
        for index in 0..<count {
            let (word, valence) = writer.rng.pick(words)
            let negated = valence != 0 && writer.rng.int(in: 0...5) == 0
            let text = writer.rng.pick(negated ? negatedTemplates : templates)
                .replacingOccurrences(of: "{subject}", with: writer.rng.pick(subjects))
                .replacingOccurrences(of: "{word}", with: word)
            let t = negated ? -0.6 * valence : valence
            let v = writer.rng.unit() * 2 - 1
            let a = writer.rng.unit() * 2 - 1
            let score = max(-3, min(3, 1.3 * t + 1.0 * v + 0.7 * a + 0.15 * writer.rng.gaussian()))
            let rounded = (score * 1000).rounded() / 1000
            let size = writer.imageSize()
            let image = face(valence: v, width: size.width, height: size.height, rng: &writer.rng)
            let id = String(format: "sentiment-%05d", index)
            let path = try writer.writeImage(image, stem: id)
            writer.append(["id": id, "image": path, "text": text, "score": rounded,
                           "label": Int(rounded.rounded()) + 3, "split": splits[index],
                           "audio": audio(valence: a, rng: &writer.rng)])
        }
        writer.ingestFlags = ["--label-field", "label", "--score-field", "score", "--split-field", "split",
                              "--feature-field", "audio"]
        writer.readme = """
        sentiment (PEFTLab built-in, procedurally generated, shaped like CMU-MOSI)
        manifest.jsonl: id, image (face), text (utterance), score in [-3, 3], label = round(score) + 3 (7 classes),
        split, audio (8 frames x 16 features; dims 0-3 carry a valence-dependent pitch/energy contour).
        Ingest: peftlab ingest sentiment --manifest manifest.jsonl --images . --label-field label \\
                --score-field score --split-field split --feature-field audio

        """
    }

    /// A cartoon face: the mouth curves up for positive valence and down for negative; eyebrows tilt with it.
    static func face(valence: Double, width: Int, height: Int, rng: inout SplitMix64) -> RGBImage {
        let backgrounds = [RGB(200, 210, 230), RGB(230, 220, 200), RGB(210, 230, 210), RGB(180, 180, 190),
                           RGB(240, 235, 240)]
        var canvas = Canvas(width: width, height: height, fill: rng.pick(backgrounds).jittered(15, &rng))
        let w = Double(width), h = Double(height)
        let cx = w * (0.4 + 0.2 * rng.unit()), cy = h * (0.45 + 0.1 * rng.unit())
        let r = min(w, h) * (0.3 + 0.1 * rng.unit())
        let skins = [RGB(255, 220, 180), RGB(230, 180, 140), RGB(180, 130, 90), RGB(120, 85, 60), RGB(250, 210, 80)]
        canvas.fillCircle(cx: cx, cy: cy, r: r, rng.pick(skins).jittered(10, &rng))
        let eye = RGB(30, 30, 35)
        let eyeY = cy - r * 0.25, eyeDX = r * 0.38
        for side in [-1.0, 1.0] {
            canvas.fillCircle(cx: cx + side * eyeDX, cy: eyeY, r: max(1.5, r * 0.09), eye)
            // Sad brows (inner ends raised) for negative valence; raised, level brows for positive.
            let tilt = min(0, valence) * r * 0.15, raise = max(0, valence) * r * 0.08
            let browY = eyeY - r * 0.22 - raise
            canvas.line(cx + side * eyeDX - r * 0.15, browY + (side < 0 ? -tilt : tilt),
                        cx + side * eyeDX + r * 0.15, browY + (side < 0 ? tilt : -tilt),
                        thickness: max(1.5, r * 0.05), eye)
        }
        // Mouth: a parabola whose curvature is the valence.
        let mouthY = cy + r * 0.4, halfWidth = r * 0.45
        var previous: (Double, Double)? = nil
        for step in 0...20 {
            let u = Double(step) / 10 - 1
            let point = (cx + u * halfWidth, mouthY - valence * r * 0.25 * (1 - u * u))
            if let p = previous { canvas.line(p.0, p.1, point.0, point.1, thickness: max(1.5, r * 0.06), RGB(120, 30, 40)) }
            previous = point
        }
        canvas.addNoise(3, &rng)
        return canvas.image
    }

    /// 8 frames × 16 features: dims 0–3 follow a rising (positive) or falling (negative) contour scaled by the
    /// valence, the rest are noise. Values rounded to 4 decimals to keep the manifest compact.
    static func audio(valence: Double, rng: inout SplitMix64) -> [[Double]] {
        (0..<frames).map { frame in
            let phase = Double(frame) / Double(frames - 1) - 0.5
            return (0..<featureDims).map { dim in
                let signal = dim < 4 ? valence * (0.8 + 0.4 * phase * Double(dim + 1)) : 0
                return ((signal + 0.25 * rng.gaussian()) * 10_000).rounded() / 10_000
            }
        }
    }
}

import Foundation

/// The `dialog` built-in (shaped like PhotoChat): a 2–4-turn dialogue before one speaker shares a photo. Each row
/// has the dialogue text, the shared image and four distractors that each change one or two of its attributes
/// (object, colour, place), so retrieval needs the whole description, not one keyword.
enum DialogDataset {
    static let objects = ["ball", "kite", "house", "boat", "car", "fish", "tree", "star"]
    static let colors: [(String, RGB)] = [("red", RGB(220, 40, 40)), ("blue", RGB(40, 80, 220)),
                                          ("green", RGB(40, 170, 60)), ("yellow", RGB(240, 210, 40)),
                                          ("purple", RGB(140, 60, 190)), ("orange", RGB(245, 140, 30))]
    static let places = ["beach", "snow", "night", "park"]
    static let placePhrases = ["beach": ["at the beach", "by the sea", "on the sand"],
                               "snow": ["in the snow", "on the ski trip", "in the snowy field"],
                               "night": ["last night", "under the stars", "late at night"],
                               "park": ["in the park", "on the lawn", "at the playground"]]
    static let openers = ["guess what i saw {place} today", "you will not believe what i found {place}",
                          "i took the best photo {place}", "remember the trip? i was {place}"]
    static let replies = ["what was it?", "no way, what?", "tell me more", "oh really? what did you see?"]
    static let reveals = ["a {color} {object}, it was huge", "this {color} {object}, so cute",
                          "an old {color} {object}", "the brightest {color} {object} ever"]
    static let closers = ["send me a picture!", "show me please", "pics or it did not happen", "i want to see it"]

    struct Attributes: Equatable {
        var object: String
        var color: Int
        var place: String
    }

    static func generate(_ writer: inout DatasetWriter, count: Int) throws {
        let splits = DatasetWriter.splits(count: count, rng: &writer.rng)
        for index in 0..<count {
            let target = Attributes(object: writer.rng.pick(objects), color: writer.rng.int(in: 0...(colors.count - 1)),
                                    place: writer.rng.pick(places))
            let id = String(format: "dialog-%05d", index)
            let size = writer.imageSize()
            let image = try writer.writeImage(draw(target, width: size.width, height: size.height, rng: &writer.rng),
                                              stem: id)
            var distractors: [String] = []
            var used = [target]
            for d in 0..<4 {
                var other = target
                repeat {
                    other = target
                    switch writer.rng.int(in: 0...3) {
                    case 0: other.object = writer.rng.pick(objects)
                    case 1: other.color = writer.rng.int(in: 0...(colors.count - 1))
                    case 2: other.place = writer.rng.pick(places)
                    default:
                        other.object = writer.rng.pick(objects)
                        other.color = writer.rng.int(in: 0...(colors.count - 1))
                    }
                } while used.contains(other)
                used.append(other)
                let s = writer.imageSize()
                distractors.append(try writer.writeImage(draw(other, width: s.width, height: s.height, rng: &writer.rng),
                                                         stem: "\(id)-d\(d)"))
            }
            writer.append(["id": id, "image": image, "text": dialogue(target, rng: &writer.rng),
                           "distractors": distractors, "split": splits[index],
                           "object": target.object, "color": colors[target.color].0, "place": target.place])
        }
        writer.ingestFlags = ["--split-field", "split", "--extra-image-field", "distractors"]
        writer.readme = """
        dialog (PEFTLab built-in, procedurally generated, shaped like PhotoChat)
        manifest.jsonl: id, text (dialogue turns separated by newlines), image (the photo shared next),
        distractors (4 hard-negative images), split, object/color/place (diagnostics).
        Ingest: peftlab ingest dialog --manifest manifest.jsonl --images . --split-field split \\
                --extra-image-field distractors

        """
    }

    /// The dialogue before the share; attributes are spread over the turns.
    static func dialogue(_ a: Attributes, rng: inout SplitMix64) -> String {
        let place = rng.pick(placePhrases[a.place] ?? [a.place])
        let reveal = rng.pick(reveals).replacingOccurrences(of: "{color}", with: colors[a.color].0)
            .replacingOccurrences(of: "{object}", with: a.object)
        var turns = ["A: " + rng.pick(openers).replacingOccurrences(of: "{place}", with: place),
                     "B: " + rng.pick(replies), "A: " + reveal]
        if rng.int(in: 0...1) == 0 { turns.append("B: " + rng.pick(closers)) }
        return turns.joined(separator: "\n")
    }

    /// A scene for the attributes: place backdrop, then the object pictogram in its colour.
    static func draw(_ a: Attributes, width: Int, height: Int, rng: inout SplitMix64) -> RGBImage {
        var canvas = Canvas(width: width, height: height)
        let w = Double(width), h = Double(height)
        drawBackdrop(a.place, on: &canvas, rng: &rng)
        let color = colors[a.color].1.jittered(12, &rng)
        let cx = w * (0.35 + 0.3 * rng.unit()), cy = h * (0.45 + 0.2 * rng.unit())
        let s = min(w, h) * (0.22 + 0.1 * rng.unit())
        drawObject(a.object, on: &canvas, cx: cx, cy: cy, s: s, color: color)
        canvas.addNoise(4, &rng)
        return canvas.image
    }
}

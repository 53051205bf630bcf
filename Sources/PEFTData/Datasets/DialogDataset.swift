import Foundation

/// The `dialog` built-in, in two parts of `count` rows each.
/// - Image retrieval (shaped like PhotoChat, `retrieval: image`): a 2–4-turn dialogue before one speaker shares a
///   photo; the row has the dialogue text, the shared image and four distractors that each change one or two of its
///   attributes (object, colour, place), so retrieval needs the whole description, not one keyword.
/// - Response retrieval (shaped like MMDialog, `retrieval: response`): a dialogue in which a photo is shared (the
///   row's image, part of the context) and the turn that follows (`response`), which names the photo's object and
///   colour — said only by the photo, not the text — with four `response_distractors` naming other ones.
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
    static let shares = ["A: here it is", "A: look at this", "A: i took a photo, see", "A: this is what i saw"]
    static let reactions = ["B: wow, a {color} {object}!", "B: what a lovely {color} {object}", "B: that {color} {object} is amazing",
                            "B: i love the {color} {object}"]

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
                           "distractors": distractors, "split": splits[index], "retrieval": "image",
                           "object": target.object, "color": colors[target.color].0, "place": target.place])
        }
        try generateResponses(&writer, count: count)
        writer.ingestFlags = ["--split-field", "split", "--extra-image-field", "distractors"]
        writer.readme = """
        dialog (PEFTLab built-in, procedurally generated, shaped like PhotoChat)
        manifest.jsonl: id, text (dialogue turns separated by newlines), image, retrieval, split,
        object/color/place (diagnostics). retrieval "image" rows (dialog-NNNNN): image is the photo shared
        next, distractors 4 hard-negative images. retrieval "response" rows (dialog-r-NNNNN): image is the
        photo shared in the dialogue, response the turn that follows, response_distractors 4 other turns.
        Ingest: peftlab ingest dialog --manifest manifest.jsonl --images . --split-field split \\
                --extra-image-field distractors

        """
    }

    /// The response-retrieval part: context turns naming the place, the shared photo, and the next turn naming what
    /// only the photo shows (object, colour); distractor turns name other object/colour pairs.
    static func generateResponses(_ writer: inout DatasetWriter, count: Int) throws {
        let splits = DatasetWriter.splits(count: count, rng: &writer.rng)
        for index in 0..<count {
            let target = Attributes(object: writer.rng.pick(objects), color: writer.rng.int(in: 0...(colors.count - 1)),
                                    place: writer.rng.pick(places))
            let id = String(format: "dialog-r-%05d", index)
            let size = writer.imageSize()
            let image = try writer.writeImage(draw(target, width: size.width, height: size.height, rng: &writer.rng), stem: id)
            let place = writer.rng.pick(placePhrases[target.place] ?? [target.place])
            let turns = ["A: " + writer.rng.pick(openers).replacingOccurrences(of: "{place}", with: place),
                         "B: " + writer.rng.pick(replies), writer.rng.pick(shares)]
            let template = writer.rng.pick(reactions)
            func reaction(_ a: Attributes) -> String {
                template.replacingOccurrences(of: "{color}", with: colors[a.color].0).replacingOccurrences(of: "{object}", with: a.object)
            }
            var used = [target]
            var distractors: [String] = []
            for _ in 0..<4 {
                var other = target
                repeat {
                    other = target
                    switch writer.rng.int(in: 0...2) {
                    case 0: other.object = writer.rng.pick(objects)
                    case 1: other.color = writer.rng.int(in: 0...(colors.count - 1))
                    default:
                        other.object = writer.rng.pick(objects)
                        other.color = writer.rng.int(in: 0...(colors.count - 1))
                    }
                } while used.contains(other)
                used.append(other)
                distractors.append(reaction(other))
            }
            writer.append(["id": id, "image": image, "text": turns.joined(separator: "\n"), "retrieval": "response",
                           "response": reaction(target), "response_distractors": distractors, "distractors": [String](),
                           "split": splits[index], "object": target.object, "color": colors[target.color].0,
                           "place": target.place])
        }
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

import Foundation

/// The `captions` built-in: the image–caption corpus PEFTLab pretrains its own CLIP on (`peftlab backbone
/// pretrain`). Each image is a backdrop (beach, snow, park, night, or the sarcasm set's sunny / stormy weather
/// scenes) with zero to three objects of one kind and colour in the left, middle or right third; the caption names
/// exactly what is drawn ("two red kites on the left, in the snow"), so captions are compositional and a model
/// must read colour, shape, count, position and backdrop together to match them. 8 objects × 6 colours × 3 counts ×
/// 3 positions × 6 backdrops = 2 592 object scenes, plus bare weather scenes. Most weather captions also carry the
/// mood a caption writer would give the picture ("two red kites on the left on a lovely sunny day", "a dismal
/// day"), from broad positive (sunny) and negative (stormy) lists, sometimes in place of the weather word, so that
/// mood words land near the scenes they describe (the sarcasm task's caption side needs that).
///
/// Disjoint from the task datasets: its generator stream comes from its own name (and the caller's seed), and its
/// images are drawn by its own layout code, so no image of `sarcasm`, `sentiment` or `dialog` appears here
/// (checked by content hash in the tests).
public enum CaptionCorpus {
    /// Version of what this generator draws and writes: bump it with any change to the images or captions, so that
    /// recipes (whose hash includes it) pretrain again and the corpus is ingested under a new dataset name.
    public static let version = 2
    static let backdrops = ["beach", "snow", "park", "night", "sunny", "stormy"]
    static let backdropPhrases = ["beach": "at the beach", "snow": "in the snow", "park": "in the park",
                                  "night": "at night", "sunny": "on a sunny day", "stormy": "on a stormy day"]
    static let positions = ["left", "middle", "right"]
    static let positionPhrases = ["left": "on the left", "middle": "in the middle", "right": "on the right"]
    static let countWords = ["a", "two", "three"]
    static let plurals = ["ball": "balls", "kite": "kites", "house": "houses", "boat": "boats", "car": "cars",
                          "fish": "fish", "tree": "trees", "star": "stars"]
    /// Share of weather backdrops drawn with no object ("a sunny scene"), as the sarcasm images are.
    static let bareWeatherRate = 0.25
    /// Share of weather captions that carry a mood word.
    static let moodRate = 0.7
    /// Of those, the share where the mood replaces the weather word ("on a lovely day").
    static let moodOnlyRate = 0.4
    /// Openings and endings a caption writer adds around a mood caption ("just a gloomy day out here"), so that the
    /// text tower learns to read the mood among words that say nothing about the picture.
    static let moodOpenings = ["", "", "", "a photo of ", "look, ", "behold, ", "here is ", "this is ", "wow, ", "oh, ",
                               "me and ", "finally ", "yet again ", "honestly "]
    static let moodEndings = ["", "", "", " today", " this morning", " out here", " again", " for once", ", as usual",
                              " this afternoon", " all weekend", " here", " outside", " so far"]
    /// Moods of a sunny scene.
    static let positiveMoods = ["lovely", "perfect", "beautiful", "wonderful", "gorgeous", "glorious", "fantastic",
                                "delightful", "amazing", "brilliant", "pleasant", "cheerful", "bright", "splendid",
                                "great", "fine", "happy", "nice", "warm", "marvellous", "superb", "excellent",
                                "sunlit", "charming", "idyllic", "radiant", "golden", "blissful", "fabulous", "terrific"]
    /// Moods of a stormy scene.
    static let negativeMoods = ["terrible", "awful", "miserable", "gloomy", "dreadful", "horrible", "bleak",
                                "depressing", "nasty", "grim", "dismal", "dreary", "wretched", "foul", "rotten",
                                "horrid", "bad", "ugly", "sad", "dark", "cold", "murky", "menacing", "rough", "harsh",
                                "wild", "lousy", "joyless", "hideous", "atrocious"]

    /// One image's content.
    struct Scene: Equatable {
        var backdrop: String
        /// 0 only on weather backdrops.
        var count: Int
        var object: String
        var color: Int
        var position: String
        /// A mood word from the backdrop's list, or nil (always nil off the weather backdrops).
        var mood: String? = nil
        /// Whether the mood replaces the weather word in the caption.
        var moodOnly = false
        /// Words around a mood caption (from `moodOpenings` / `moodEndings`).
        var opening = ""
        var ending = ""
    }

    /// Rows: the last 1 000 (or 15 % when smaller) are `test`, the 500 (or 5 %) before them `val`, the rest `train`.
    public static func splits(count: Int) -> [String] {
        let test = count >= 4_000 ? 1_000 : count * 15 / 100
        let val = count >= 10_000 ? 500 : count * 5 / 100
        return (0..<count).map { $0 >= count - test ? "test" : ($0 >= count - test - val ? "val" : "train") }
    }

    static func generate(_ writer: inout DatasetWriter, count: Int) throws {
        let splits = splits(count: count)
        for index in 0..<count {
            let scene = randomScene(&writer.rng)
            let side = writer.rng.int(in: 64...96)
            let image = draw(scene, size: side, rng: &writer.rng)
            let id = String(format: "captions-%06d", index)
            let path = try writer.writeImage(image, stem: id)
            var row: [String: Any] = ["id": id, "image": path, "text": caption(scene),
                                      "split": splits[index], "backdrop": scene.backdrop, "count": scene.count]
            if let mood = scene.mood { row["mood"] = mood }
            if scene.count > 0 {
                row["object"] = scene.object
                row["color"] = DialogDataset.colors[scene.color].0
                row["position"] = scene.position
            }
            writer.append(row)
        }
        writer.ingestFlags = ["--split-field", "split"]
        writer.readme = """
        captions (PEFTLab built-in, procedurally generated): the image-caption corpus `peftlab backbone pretrain`
        trains its CLIP on. manifest.jsonl: id, image, text (a caption naming what is drawn), split (train/val/test;
        test is the 1 000 held-out pairs of the zero-shot retrieval figures), backdrop, count, object, color,
        position, mood (diagnostics; not model inputs).
        Ingest: peftlab ingest captions --manifest manifest.jsonl --images . --split-field split

        """
    }

    static func randomScene(_ rng: inout SplitMix64) -> Scene {
        let backdrop = rng.pick(backdrops)
        let weather = backdrop == "sunny" || backdrop == "stormy"
        let count = weather && rng.unit() < bareWeatherRate ? 0 : rng.int(in: 1...3)
        var scene = Scene(backdrop: backdrop, count: count, object: rng.pick(DialogDataset.objects),
                          color: rng.int(in: 0...(DialogDataset.colors.count - 1)), position: rng.pick(positions))
        if weather && rng.unit() < moodRate {
            scene.mood = rng.pick(backdrop == "sunny" ? positiveMoods : negativeMoods)
            scene.moodOnly = rng.unit() < moodOnlyRate
            scene.opening = rng.pick(moodOpenings)
            scene.ending = rng.pick(moodEndings)
        }
        return scene
    }

    /// The caption: count, colour, object, position, then the backdrop ("two red kites on the left in the snow");
    /// bare weather scenes are "a sunny scene" / "a stormy scene". One fixed order, so that the few minutes of
    /// pretraining go into reading the image, not the phrasing. A mood goes before the weather word ("on a lovely
    /// sunny day", "a gloomy stormy scene") or replaces it ("on a lovely day", "a gloomy day"), and mood captions
    /// may have a few words around them.
    static func caption(_ scene: Scene) -> String {
        scene.opening + plainCaption(scene) + scene.ending
    }

    private static func plainCaption(_ scene: Scene) -> String {
        var place = backdropPhrases[scene.backdrop] ?? scene.backdrop
        var bare = "a \(scene.backdrop) scene"
        if let mood = scene.mood {
            place = scene.moodOnly ? "on a \(mood) day" : "on a \(mood) \(scene.backdrop) day"
            bare = scene.moodOnly ? "a \(mood) day" : "a \(mood) \(scene.backdrop) scene"
        }
        guard scene.count > 0 else { return bare }
        let noun = scene.count == 1 ? scene.object : (plurals[scene.object] ?? scene.object + "s")
        let position = positionPhrases[scene.position] ?? scene.position
        return "\(countWords[scene.count - 1]) \(DialogDataset.colors[scene.color].0) \(noun) \(position) \(place)"
    }

    /// A `size`-pixel square image of the scene: the backdrop, then `count` objects side by side (stacked) in
    /// their third of the picture.
    static func draw(_ scene: Scene, size: Int, rng: inout SplitMix64) -> RGBImage {
        var canvas: Canvas
        switch scene.backdrop {
        case "sunny", "stormy":
            canvas = Canvas(image: WeatherScene.draw(positive: scene.backdrop == "sunny", width: size, height: size,
                                                     rng: &rng))
        default:
            canvas = Canvas(width: size, height: size)
            DialogDataset.drawBackdrop(scene.backdrop, on: &canvas, rng: &rng)
        }
        let s = Double(size)
        let third: Double = Double(positions.firstIndex(of: scene.position) ?? 1)
        let shift: Double = s * 0.04 * (rng.unit() - 0.5)
        let cx: Double = s * (third + 0.5) / 3 + shift
        let radius = s * (scene.count == 1 ? 0.14 : 0.1) * (0.9 + 0.2 * rng.unit())
        let color = DialogDataset.colors[scene.color].1.jittered(12, &rng)
        let spacing = 2.4 * radius
        let jitter: Double = s * 0.04 * (rng.unit() - 0.5)
        let top: Double = s * 0.5 - spacing * Double(scene.count - 1) / 2 + jitter
        for k in 0..<scene.count {
            DialogDataset.drawObject(scene.object, on: &canvas, cx: cx, cy: top + spacing * Double(k), s: radius, color: color)
        }
        canvas.addNoise(3, &rng)
        return canvas.image
    }
}

/// The `sarcasm` built-in: caption + scene posts labelled sarcastic when the caption's sentiment contradicts the
/// scene's. Exactly 44 % of rows are incongruent, and caption sentiment (hence scene sentiment) is split 50/50 within
/// each label, so P(label | caption) = P(label | image) = 0.44: single-modality models stay at the majority-class
/// rate and only a model that relates the two modalities can do better.
public enum SarcasmDataset {
    /// Caption words of a positive (sunny) caption; the pretraining corpus's moods include them.
    public static let positiveWords = ["lovely", "perfect", "beautiful", "wonderful", "gorgeous", "glorious", "fantastic",
                                "delightful", "amazing", "brilliant"]
    /// Caption words of a negative (stormy) caption.
    public static let negativeWords = ["terrible", "awful", "miserable", "gloomy", "dreadful", "horrible", "bleak",
                                "depressing", "nasty", "grim"]
    static let places = ["beach", "park", "picnic", "hike", "garden", "lake", "walk", "barbecue", "festival", "run"]
    static let templates = [
        "what a {adj} day for a {place}",
        "{adj} weather for the {place} today",
        "just a {adj} afternoon at the {place}",
        "the forecast promised a {adj} {place} and it delivered",
        "nothing like a {adj} morning {place}",
        "so {adj} out here, best {place} ever",
        "another {adj} weekend {place}, as planned",
        "{adj}. simply {adj}. #{place}",
    ]

    /// Probability that caption and scene disagree (the label is 1).
    static let incongruentRate = 0.44

    static func generate(_ writer: inout DatasetWriter, count: Int) throws {
        let splits = DatasetWriter.splits(count: count, rng: &writer.rng)
        // Exactly round(44 %) sarcastic rows, and within each label half the captions positive, so caption
        // sentiment (and hence scene sentiment) carries no information about the label.
        let sarcasticCount = Int((Double(count) * incongruentRate).rounded())
        var plan: [(sarcastic: Bool, captionPositive: Bool)] = []
        for (group, size) in [(true, sarcasticCount), (false, count - sarcasticCount)] {
            plan += (0..<size).map { (group, $0 % 2 == 0) }
        }
        plan.shuffle(using: &writer.rng)
        for index in 0..<count {
            let (sarcastic, captionPositive) = plan[index]
            let scenePositive = sarcastic ? !captionPositive : captionPositive
            let words = captionPositive ? positiveWords : negativeWords
            let adjective = writer.rng.pick(words)
            let caption = writer.rng.pick(templates)
                .replacingOccurrences(of: "{adj}", with: adjective)
                .replacingOccurrences(of: "{place}", with: writer.rng.pick(places))
            let size = writer.imageSize()
            let image = WeatherScene.draw(positive: scenePositive, width: size.width, height: size.height,
                                          rng: &writer.rng)
            let id = String(format: "sarcasm-%05d", index)
            let path = try writer.writeImage(image, stem: id)
            writer.append(["id": id, "image": path, "text": caption, "label": sarcastic ? 1 : 0,
                           "split": splits[index],
                           "caption_sentiment": captionPositive ? "positive" : "negative",
                           "scene_sentiment": scenePositive ? "positive" : "negative"])
        }
        writer.ingestFlags = ["--label-field", "label", "--split-field", "split"]
        writer.readme = """
        sarcasm (PEFTLab built-in, procedurally generated)
        manifest.jsonl: id, image, text (caption), label (1 = sarcastic: caption sentiment != scene sentiment),
        split (train/val/test), caption_sentiment, scene_sentiment (diagnostics; not model inputs).
        Ingest: peftlab ingest sarcasm --manifest manifest.jsonl --images . --label-field label --split-field split

        """
    }
}

import Foundation

import Foundation

/// Generated text PEFTLab pretrains its default causal LM on (`peftlab lm pretrain`).
public enum TextCorpus {
    /// `count` documents in MSE-Adapter's default prompt layout over the sentiment built-in's utterances:
    /// `<Multimodal> {utterance} </Multimodal> The sentiment is {s}`, where s is the utterance's text-only score
    /// 1.3·t (t its valence, negations flipped as in the dataset) plus noise, with one decimal. The LM learns the
    /// language of the data and to write a score after the prompt; the other modalities are left to the adapter.
    public static func sentiment(count: Int, seed: UInt64) -> [String] {
        var rng = SplitMix64(seed: seed)
        return (0 ..< count).map { _ in
            let (word, valence) = rng.pick(SentimentDataset.words)
            let negated = valence != 0 && rng.int(in: 0...5) == 0
            let text = rng.pick(negated ? SentimentDataset.negatedTemplates : SentimentDataset.templates)
                .replacingOccurrences(of: "{subject}", with: rng.pick(SentimentDataset.subjects))
                .replacingOccurrences(of: "{word}", with: word)
            let t = negated ? -0.6 * valence : valence
            let score = max(-3, min(3, 1.3 * t + 0.5 * rng.gaussian()))
            let rounded = (score * 10).rounded() / 10
            return "<Multimodal> \(text) </Multimodal> The sentiment is "
                + String(format: "%.1f", rounded == 0 ? 0 : rounded)
        }
    }
}

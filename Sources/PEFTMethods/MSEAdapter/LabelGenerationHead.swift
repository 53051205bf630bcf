import PEFTLM
import PEFTTensor

/// MSE-Adapter's `generate` output: the frozen LM writes the label after the method's input sequence. Training is
/// the LM cross-entropy on the label tokens only (the label text and `<|endoftext|>`; every other position is
/// ignored, transformers' −100); evaluation decodes greedily and parses the text, an unparseable output counting as
/// 0.0 (class 0), and reports how many there were as the metric `unparsed`. No parameters of its own.
public final class LabelGenerationHead: TaskHead {
    public let kind: TaskKind
    public let classes: Int
    public let lm: CausalLM
    /// Most tokens greedy decoding writes (the official code: 4 for a score, 2 for a class; + end of text).
    public var maxNewTokens: Int { kind == .regression ? 5 : 3 }

    public init(kind: TaskKind, classes: Int, lm: CausalLM) {
        precondition(kind == .regression || kind == .classification, "LabelGenerationHead: no label text for \(kind)")
        self.kind = kind
        self.classes = classes
        self.lm = lm
    }

    /// Token ids of each target's label text followed by `<|endoftext|>`.
    func labelIds(_ targets: Targets) -> [[Int]] {
        let texts = kind == .regression ? targets.scores.map(LabelText.format(score:)) : targets.labels.map(LabelText.format(label:))
        return texts.map { lm.tokenizer.encode($0) + [lm.tokenizer.eosTokenId] }
    }

    public func loss(_ features: TowerFeatures, targets: Targets) -> Tensor {
        guard let sequence = features.sequence else { preconditionFailure("LabelGenerationHead: no LM input sequence") }
        let labels = labelIds(targets)
        let (b, t, d) = (sequence.embeddings.shape[0], sequence.embeddings.shape[1], sequence.embeddings.shape[2])
        let longest = labels.map(\.count).max() ?? 0
        var rows: [Tensor] = []
        var indices: [Int] = []
        let total = t + longest
        for (row, ids) in labels.enumerated() {
            var parts = [sequence.embeddings.sliced(axis: 0, range: row ..< row + 1).reshaped([t, d]),
                         lm.model.tokenEmbedding.gathered(rows: ids)]
            if longest > ids.count { parts.append(Tensor.zeros([longest - ids.count, d])) }
            rows.append(Tensor.concatenated(parts, axis: 0).unsqueezed(axis: 0))
            // The state at position t + j − 1 predicts label token j.
            indices += (0 ..< ids.count).map { row * total + t + $0 - 1 }
        }
        let mask = zip(sequence.mask, labels).map { $0 + Array(repeating: 1, count: $1.count) + Array(repeating: 0, count: longest - $1.count) }
        let hidden = lm.model(Tensor.concatenated(rows, axis: 0), attentionMask: mask, positions: GPT2Model.positions(for: mask))
        let picked = hidden.reshaped([b * total, d]).indexSelect(axis: 0, indices: indices)
        return lm.model.logits(picked).crossEntropy(targets: labels.flatMap { $0 })
    }

    public func predict(_ features: TowerFeatures, targets: Targets) -> Predictions {
        guard let sequence = features.sequence else { preconditionFailure("LabelGenerationHead: no LM input sequence") }
        return GradMode.noGrad {
            let generated = lm.model.greedy(embeddings: sequence.embeddings, attentionMask: sequence.mask,
                                            maxNewTokens: maxNewTokens, stopTokenId: lm.tokenizer.eosTokenId)
            let texts = generated.map { lm.tokenizer.decode($0, skipSpecialTokens: true) }
            var out = Predictions()
            if kind == .regression {
                out.scores = texts.map { LabelText.parseScore($0) ?? .nan }
            } else {
                out.classes = texts.map { LabelText.parseLabel($0, classes: classes) ?? -1 }
            }
            out.count = generated.count
            out.lossSum = Double(loss(features, targets: targets).scalar) * Double(out.count)
            return out
        }
    }

    /// The task's metrics with unparseable outputs counted as 0.0 (class 0), `unparsed` their count, and `loss`.
    public func metrics(_ predictions: Predictions, targets: Targets) -> [String: Double] {
        var out: [String: Double]
        let unparsed: Int
        if kind == .regression {
            unparsed = predictions.scores.filter(\.isNaN).count
            out = RegressionMetrics().compute(predictions: predictions.scores.map { $0.isNaN ? 0 : $0 }, targets: targets.scores)
        } else {
            unparsed = predictions.classes.filter { $0 < 0 }.count
            out = ClassificationMetrics(classes: classes).compute(predictions: predictions.classes.map { Swift.max($0, 0) },
                                                                  targets: targets.labels)
        }
        out["unparsed"] = Double(unparsed)
        out["loss"] = predictions.lossSum / Double(Swift.max(1, predictions.count))
        return out
    }

    public func namedParameters() -> [(String, Tensor)] { [] }
}

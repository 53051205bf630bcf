/// Accuracy, precision/recall/F1 of the positive class (binary tasks) and macro/weighted F1, as the sarcasm and
/// emotion papers report them, plus the confusion matrix. Predictions and targets are class indices below
/// `classes`; scikit-learn's conventions (zero_division = 0; macro/weighted over classes present in the targets
/// or predictions).
public struct ClassificationMetrics: Sendable {
    public static let names = ["accuracy", "f1", "macro_f1", "weighted_f1", "precision", "recall"]
    /// Number of classes of the task (not of the split: a split may lack some classes).
    public var classes: Int

    public init(classes: Int) { self.classes = classes }

    /// `[true class][predicted class]` counts (scikit-learn's `confusion_matrix` layout).
    public func confusionMatrix(predictions: [Int], targets: [Int]) -> [[Int]] {
        var matrix = [[Int]](repeating: [Int](repeating: 0, count: classes), count: classes)
        for (p, t) in zip(predictions, targets) where (0 ..< classes).contains(p) && (0 ..< classes).contains(t) {
            matrix[t][p] += 1
        }
        return matrix
    }

    /// Metric name → value. Binary tasks report precision/recall/F1 of class 1; multi-class tasks macro averages.
    public func compute(predictions: [Int], targets: [Int]) -> [String: Double] {
        precondition(predictions.count == targets.count, "ClassificationMetrics: \(predictions.count) predictions for \(targets.count) targets")
        guard !targets.isEmpty else { return [:] }
        let matrix = confusionMatrix(predictions: predictions, targets: targets)
        let support = matrix.map { $0.reduce(0, +) }
        let predicted = (0 ..< classes).map { c in matrix.reduce(0) { $0 + $1[c] } }
        func scores(_ c: Int) -> (precision: Double, recall: Double, f1: Double) {
            let tp = Double(matrix[c][c])
            let precision = predicted[c] == 0 ? 0 : tp / Double(predicted[c])
            let recall = support[c] == 0 ? 0 : tp / Double(support[c])
            return (precision, recall, precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall))
        }
        let correct = (0 ..< classes).reduce(0) { $0 + matrix[$1][$1] }
        // scikit-learn averages over the labels present in targets or predictions.
        let present = (0 ..< classes).filter { support[$0] + predicted[$0] > 0 }
        let mean = { (f: (Int) -> Double) in present.isEmpty ? 0 : present.map(f).reduce(0, +) / Double(present.count) }
        var out: [String: Double] = ["accuracy": Double(correct) / Double(targets.count)]
        out["macro_f1"] = mean { scores($0).f1 }
        out["weighted_f1"] = present.map { scores($0).f1 * Double(support[$0]) }.reduce(0, +) / Double(targets.count)
        if classes <= 2 {
            let positive = scores(min(1, classes - 1))
            out["precision"] = positive.precision
            out["recall"] = positive.recall
            out["f1"] = positive.f1
        } else {
            out["precision"] = mean { scores($0).precision }
            out["recall"] = mean { scores($0).recall }
            out["f1"] = out["macro_f1"]
        }
        return out
    }
}

/// Computes a task's metrics from predictions and targets; one implementation per task kind.
public protocol TaskMetric {
    associatedtype Prediction
    associatedtype Target
    /// The names `compute` returns (what a spec's `target_metric` may name, besides `loss`).
    static var names: [String] { get }
    /// Metric name → value, e.g. `accuracy`, `f1`, `mae`.
    func compute(predictions: [Prediction], targets: [Target]) -> [String: Double]
}

/// Accuracy, precision/recall/F1 of the positive class (binary) and macro/weighted F1, as the sarcasm and emotion
/// papers report them. Predictions and targets are class indices below `classes`.
public struct ClassificationMetrics: TaskMetric {
    public static let names = ["accuracy", "f1", "macro_f1", "weighted_f1", "precision", "recall"]
    /// Number of classes of the task (not of the split: a split may lack some classes).
    public var classes: Int

    public init(classes: Int) { self.classes = classes }

    public func compute(predictions: [Int], targets: [Int]) -> [String: Double] {
        precondition(predictions.count == targets.count, "ClassificationMetrics: \(predictions.count) predictions for \(targets.count) targets")
        precondition((predictions + targets).allSatisfy { (0..<classes).contains($0) },
                     "ClassificationMetrics: a class index outside 0..<\(classes)")
        guard !targets.isEmpty else { return [:] }
        var tp = [Int](repeating: 0, count: classes), fp = tp, fn = tp
        var correct = 0
        for (p, t) in zip(predictions, targets) {
            if p == t { correct += 1; tp[t] += 1 } else { fp[p] += 1; fn[t] += 1 }
        }
        func f1(_ c: Int) -> (precision: Double, recall: Double, f1: Double) {
            let precision = tp[c] + fp[c] == 0 ? 0 : Double(tp[c]) / Double(tp[c] + fp[c])
            let recall = tp[c] + fn[c] == 0 ? 0 : Double(tp[c]) / Double(tp[c] + fn[c])
            return (precision, recall, precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall))
        }
        var out: [String: Double] = ["accuracy": Double(correct) / Double(targets.count)]
        let present = (0..<classes).filter { tp[$0] + fn[$0] > 0 }
        out["macro_f1"] = present.isEmpty ? 0 : present.map { f1($0).f1 }.reduce(0, +) / Double(present.count)
        let weighted = present.map { c in f1(c).f1 * Double(tp[c] + fn[c]) }.reduce(0, +)
        out["weighted_f1"] = weighted / Double(targets.count)
        // Binary tasks report the positive class (1); multi-class tasks report macro averages.
        let positive = f1(min(1, classes - 1))
        out["precision"] = classes <= 2 ? positive.precision : present.map { f1($0).precision }.reduce(0, +) / Double(max(1, present.count))
        out["recall"] = classes <= 2 ? positive.recall : present.map { f1($0).recall }.reduce(0, +) / Double(max(1, present.count))
        out["f1"] = classes <= 2 ? positive.f1 : out["macro_f1"]
        return out
    }
}

/// MAE, Pearson correlation and the sentiment papers' Acc-2 / Acc-7 for scores in [-3, 3].
public struct RegressionMetrics: TaskMetric {
    public static let names = ["mae", "mse", "corr", "acc2", "acc7"]

    public init() {}

    public func compute(predictions: [Double], targets: [Double]) -> [String: Double] {
        precondition(predictions.count == targets.count, "RegressionMetrics: \(predictions.count) predictions for \(targets.count) targets")
        let n = Double(targets.count)
        guard n > 0 else { return [:] }
        let mae = zip(predictions, targets).map { Swift.abs($0 - $1) }.reduce(0, +) / n
        let mse = zip(predictions, targets).map { ($0 - $1) * ($0 - $1) }.reduce(0, +) / n
        let mp = predictions.reduce(0, +) / n, mt = targets.reduce(0, +) / n
        let cov = zip(predictions, targets).map { ($0 - mp) * ($1 - mt) }.reduce(0, +)
        let sp = predictions.map { ($0 - mp) * ($0 - mp) }.reduce(0, +).squareRoot()
        let st = targets.map { ($0 - mt) * ($0 - mt) }.reduce(0, +).squareRoot()
        // Acc-2 (negative vs non-negative), Acc-7 (scores clipped to [-3, 3], rounded to 7 classes).
        let acc2 = zip(predictions, targets).filter { ($0 < 0) == ($1 < 0) }.count
        func bucket(_ x: Double) -> Int { Int((Swift.min(3, Swift.max(-3, x))).rounded()) }
        let acc7 = zip(predictions, targets).filter { bucket($0) == bucket($1) }.count
        return ["mae": mae, "mse": mse, "corr": sp * st > 0 ? cov / (sp * st) : 0,
                "acc2": Double(acc2) / n, "acc7": Double(acc7) / n]
    }
}

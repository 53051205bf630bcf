/// The sentiment papers' metrics for scores in [-3, 3] (CMU-MOSEI / MSE-Adapter conventions): MAE, MSE, Pearson r,
/// Acc-2 and its weighted F1 in both conventions (negative vs non-negative over all examples: `acc2`, `f1`;
/// negative vs positive with zero targets dropped: `acc2_nonzero`, `f1_nonzero`), Acc-5 (clipped to [-2, 2]) and
/// Acc-7 (clipped to [-3, 3]) with numpy's round-half-to-even.
public struct RegressionMetrics: Sendable {
    public static let names = ["mae", "mse", "corr", "acc2", "f1", "acc2_nonzero", "f1_nonzero", "acc5", "acc7"]

    public init() {}

    public func compute(predictions: [Double], targets: [Double]) -> [String: Double] {
        precondition(predictions.count == targets.count, "RegressionMetrics: \(predictions.count) predictions for \(targets.count) targets")
        let n = Double(targets.count)
        guard n > 0 else { return [:] }
        let pairs = Array(zip(predictions, targets))
        let mae = pairs.map { Swift.abs($0 - $1) }.reduce(0, +) / n
        let mse = pairs.map { ($0 - $1) * ($0 - $1) }.reduce(0, +) / n
        let mp = predictions.reduce(0, +) / n, mt = targets.reduce(0, +) / n
        let cov = pairs.map { ($0 - mp) * ($1 - mt) }.reduce(0, +)
        let sp = predictions.map { ($0 - mp) * ($0 - mp) }.reduce(0, +).squareRoot()
        let st = targets.map { ($0 - mt) * ($0 - mt) }.reduce(0, +).squareRoot()
        func classAccuracy(_ limit: Double) -> Double {
            func bucket(_ x: Double) -> Double { Swift.min(limit, Swift.max(-limit, x)).rounded(.toNearestOrEven) }
            return Double(pairs.filter { bucket($0.0) == bucket($0.1) }.count) / n
        }
        let nonNegative = pairs.map { ($0.0 >= 0 ? 1 : 0, $0.1 >= 0 ? 1 : 0) }
        let nonZero = pairs.filter { $0.1 != 0 }.map { ($0.0 > 0 ? 1 : 0, $0.1 > 0 ? 1 : 0) }
        func binary(_ rows: [(Int, Int)]) -> (accuracy: Double, f1: Double) {
            guard !rows.isEmpty else { return (0, 0) }
            let m = ClassificationMetrics(classes: 2).compute(predictions: rows.map(\.0), targets: rows.map(\.1))
            return (m["accuracy"] ?? 0, m["weighted_f1"] ?? 0)
        }
        let (acc2, f1) = binary(nonNegative), (acc2NonZero, f1NonZero) = binary(nonZero)
        return ["mae": mae, "mse": mse, "corr": sp * st > 0 ? cov / (sp * st) : 0,
                "acc2": acc2, "f1": f1, "acc2_nonzero": acc2NonZero, "f1_nonzero": f1NonZero,
                "acc5": classAccuracy(2), "acc7": classAccuracy(3)]
    }
}

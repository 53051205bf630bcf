import Foundation
import PEFTMethods
import PEFTStore
import PEFTTestSupport

/// A database of hand-made, fully deterministic runs for the report's golden files: every state a group can be
/// in, best-val and last steps that differ, a run whose best step has no test evaluation (fallback), and a
/// metric one run did not record (recomputed from its predictions).
///
/// Experiment `probe-grid` (classification on `sarcasm`, 40 test examples, target accuracy):
/// - `linear-probe lr=0.1`: seeds 1–3 succeeded (the baseline);
/// - `lora layers=7-12 r=8`: seeds 1–3 succeeded; seed 1's best step (10) has no test metrics; seed 2 did not
///   record `macro_f1`;
/// - `lora layers=7-12 r=16`: seeds 1, 2 succeeded, seed 3 running;
/// - `houlsby`: seeds 1, 2 failed, seed 3 queued.
enum ReportFixture {
    static let testCount = 40

    /// Test targets: a fixed pattern over two classes.
    static let targets: [Int] = (0 ..< testCount).map { ($0 * 7 + 3) % 5 < 2 ? 1 : 0 }

    /// Predictions of a run: right where a deterministic hash is below `skill`.
    static func predictions(skill: Double, salt: Int) -> [Int] {
        targets.enumerated().map { i, t in
            let h = Double((i &* 2_654_435_761 &+ salt &* 40_503) % 1000) / 1000
            return h < skill ? t : 1 - t
        }
    }

    struct Run {
        var method: [String: String]
        var grid: String
        var seed: Int
        var state: String
        var skill: Double
        var trainable: Int
        var bestStep = 15
        var testAtBest = true
        var dropMetric: String? = nil
    }

    static let runs: [Run] = [
        Run(method: ["name": "\"linear-probe\""], grid: "{\"train.lr\":0.1}", seed: 1, state: "succeeded", skill: 0.62, trainable: 130),
        Run(method: ["name": "\"linear-probe\""], grid: "{\"train.lr\":0.1}", seed: 2, state: "succeeded", skill: 0.60, trainable: 130),
        Run(method: ["name": "\"linear-probe\""], grid: "{\"train.lr\":0.1}", seed: 3, state: "succeeded", skill: 0.65, trainable: 130),
        Run(method: ["name": "\"lora\"", "r": "8", "layers": "\"7-12\""], grid: "{\"method.layers\":\"7-12\",\"method.r\":8}",
            seed: 1, state: "succeeded", skill: 0.80, trainable: 4_226, bestStep: 10, testAtBest: false),
        Run(method: ["name": "\"lora\"", "r": "8", "layers": "\"7-12\""], grid: "{\"method.layers\":\"7-12\",\"method.r\":8}",
            seed: 2, state: "succeeded", skill: 0.78, trainable: 4_226, dropMetric: "macro_f1"),
        Run(method: ["name": "\"lora\"", "r": "8", "layers": "\"7-12\""], grid: "{\"method.layers\":\"7-12\",\"method.r\":8}",
            seed: 3, state: "succeeded", skill: 0.84, trainable: 4_226),
        Run(method: ["name": "\"lora\"", "r": "16", "layers": "\"7-12\""], grid: "{\"method.layers\":\"7-12\",\"method.r\":16}",
            seed: 1, state: "succeeded", skill: 0.70, trainable: 8_322),
        Run(method: ["name": "\"lora\"", "r": "16", "layers": "\"7-12\""], grid: "{\"method.layers\":\"7-12\",\"method.r\":16}",
            seed: 2, state: "succeeded", skill: 0.74, trainable: 8_322),
        Run(method: ["name": "\"lora\"", "r": "16", "layers": "\"7-12\""], grid: "{\"method.layers\":\"7-12\",\"method.r\":16}",
            seed: 3, state: "running", skill: 0, trainable: 8_322),
        Run(method: ["name": "\"houlsby\""], grid: "{}", seed: 1, state: "failed", skill: 0, trainable: 12_000),
        Run(method: ["name": "\"houlsby\""], grid: "{}", seed: 2, state: "failed", skill: 0, trainable: 12_000),
        Run(method: ["name": "\"houlsby\""], grid: "{}", seed: 3, state: "queued", skill: 0, trainable: 12_000),
    ]

    /// Writes the fixture into a new database at `path`.
    static func make(path: String) throws -> Store {
        let store = try Store(path: TestDatabase.locator(path))
        try store.write { tx in
            let datasetID = try tx.insertReturningID(
                "INSERT INTO datasets (name, task, created_at) VALUES ('sarcasm', 'classification', 0) RETURNING id", [])
            try tx.insert(SQLInsert(into: "examples", columns: ["dataset_id", "source_key", "split", "label", "created_at"]),
                          rows: (0 ..< 80).map { i in [.integer(datasetID), .text("train\(i)"), .text("train"), .integer(Int64(i % 2)), .real(0)] })
            var testIDs: [Int64] = []
            for (i, label) in targets.enumerated() {
                testIDs.append(try tx.insertReturningID("""
                    INSERT INTO examples (dataset_id, source_key, split, label, created_at) VALUES (?, ?, 'test', ?, 0) RETURNING id
                    """, [datasetID, "test\(i)", label]))
            }
            let experimentID = try tx.insertReturningID("""
                INSERT INTO experiments (name, yaml, yaml_sha256, created_at, updated_at) VALUES ('probe-grid', '', '', 0, 0) RETURNING id
                """, [])
            for (index, run) in runs.enumerated() {
                let method = "{" + run.method.keys.sorted().map { "\"\($0)\":\(run.method[$0]!)" }.joined(separator: ",") + "}"
                let config = "{\"dataset\":\"sarcasm\",\"experiment\":\"probe-grid\",\"method\":\(method),\"seed\":\(run.seed),"
                    + "\"task\":\"classification\",\"train\":{\"epochs\":2,\"lr\":0.1}}"
                let finished = run.state == "succeeded" || run.state == "failed"
                let runID = try tx.insertReturningID("""
                    INSERT INTO runs (experiment_id, config_hash, config_json, grid_json, method, seed, state, step, total_steps,
                                      method_params, head_params, trainable_params, total_params, queued_at, started_at, finished_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, 20, ?, 130, ?, ?, 0, ?, ?) RETURNING id
                    """, [experimentID, "hash\(index)", config, run.grid, run.method["name"]!.replacingOccurrences(of: "\"", with: ""),
                          run.seed, run.state, run.state == "succeeded" ? 20 : 0, run.trainable - 130, run.trainable,
                          run.trainable + 3_381_000, run.state == "queued" ? nil : 100.0, finished ? 112.5 + Double(index) : nil])
                guard run.state == "succeeded" else { continue }
                try tx.execute("""
                    INSERT INTO attempts (run_id, attempt, worker_id, host, pid, started_at, ended_at, outcome)
                    VALUES (?, 1, 'w', 'h', 1, 100, ?, 'succeeded')
                    """, [runID, 108.0 + Double(run.seed) * 0.5 + Double(index)])
                for step in 1 ... 20 {
                    try MetricRow.insert([MetricRow(runID: runID, step: step, split: "train", name: "loss",
                                                    value: 0.7 - run.skill * 0.02 * Double(step) + Double(run.seed) * 0.004)], in: tx)
                }
                for step in [5, 10, 15, 20] {
                    let value = step == run.bestStep ? run.skill : run.skill - 0.05 + 0.001 * Double(step)
                    try MetricRow.insert([MetricRow(runID: runID, step: step, split: "val", name: "accuracy", value: value)], in: tx)
                }
                try CheckpointRecord(runID: runID, step: run.bestStep, epoch: 0, cursor: 0, parameters: Data([1]), optimizer: Data([2]),
                                     rng: "{}", bestMetric: run.skill, isBest: true, createdAt: 0).insert(keepLast: 2, in: tx)
                for (step, skill) in [(20, run.skill - 0.04), (run.bestStep, run.skill)] where step == 20 || run.testAtBest {
                    let predicted = predictions(skill: skill, salt: index * 31 + step)
                    var metrics = ClassificationMetrics(classes: 2).compute(predictions: predicted, targets: targets)
                    if let drop = run.dropMetric { metrics[drop] = nil }
                    try MetricRow.insert(metrics.keys.sorted().map { MetricRow(runID: runID, step: step, split: "test", name: $0, value: metrics[$0]!) },
                                         in: tx)
                    let stored = StoredPredictions(exampleIDs: testIDs, values: .classes(predicted: predicted.map { Int32($0) },
                                                                                         targets: targets.map { Int32($0) }, classes: 2))
                    try PredictionRecord(runID: runID, split: "test", step: step, predictions: stored).insert(in: tx, now: 0)
                }
            }
        }
        return store
    }
}

import Foundation
import PEFTCLIP
import PEFTMethods
import PEFTStore

/// Queue-time checks of expanded runs against what only the database and the backbone know: the dataset exists,
/// a method's layer range fits the backbone, a retrieval task has image–text pairs. Each problem is a spec error
/// at the line of the key that caused it, so nothing is queued that would fail on its first step.
struct PlanChecks {
    let registry: MethodRegistry
    private var backbones: [String: CLIPConfig?] = [:]
    /// Per dataset: whether it exists, and its image–text pairs in the train split (one query each, whatever the grid).
    private var datasets: [String: (exists: Bool, pairs: Int)] = [:]

    init(registry: MethodRegistry) { self.registry = registry }

    /// The problems of `plan` (an expansion of `spec`), deduplicated by the caller.
    mutating func problems(_ plan: RunPlan, of spec: ExperimentSpec, in tx: any StoreTransaction, storePath: String) throws -> [SpecError] {
        func at(_ key: String, _ message: String) -> SpecError {
            let location = spec.locations[plan.grid[key] != nil ? "grid.\(key)" : key]
            return SpecError(file: location?.file ?? spec.file, line: location?.line, key: key, message: message)
        }
        var problems: [SpecError] = []
        let config = RunConfig(plan.config)
        let dataset = try datasetFacts(config.dataset, in: tx)
        if !dataset.exists {
            problems.append(at("dataset", "no dataset named '\(config.dataset)' in \(storePath); ingest it first (peftlab ingest / peftlab datasets make)"))
        } else if config.task == .retrieval, dataset.pairs < 2 {
            problems.append(at("task", "retrieval needs image–text pairs, but dataset '\(config.dataset)' has \(dataset.pairs) in its train split"))
        }
        if let backbone = config.backbone, let problem = BackboneReference(backbone).problem(storePath: storePath) {
            problems.append(at("backbone", problem))
        }
        if let descriptor = registry[config.method], let backbone = config.backbone,
           let shape = backboneConfig(BackboneReference(backbone).directory(storePath: storePath).path) {
            for problem in descriptor.check(config.methodSettings(descriptor), shape) {
                problems.append(at("method.\(problem.parameter)", problem.message))
            }
        }
        return problems
    }

    private mutating func datasetFacts(_ name: String, in tx: any StoreTransaction) throws -> (exists: Bool, pairs: Int) {
        if let known = datasets[name] { return known }
        let exists = try tx.value(Int64.self, "SELECT id FROM datasets WHERE name = ?", [name]) != nil
        let pairs = try tx.value(Int.self, """
            SELECT COUNT(*) FROM examples x JOIN datasets d ON d.id = x.dataset_id
            WHERE d.name = ? AND x.split = 'train' AND x.text IS NOT NULL AND x.image_sha256 IS NOT NULL
            """, [name]) ?? 0
        datasets[name] = (exists, pairs)
        return (exists, pairs)
    }

    /// The backbone's config.json, when it can be read (a backbone not made yet is checked when the run starts).
    private mutating func backboneConfig(_ path: String) -> CLIPConfig? {
        if let cached = backbones[path] { return cached }
        let config = try? CLIPConfig.load(from: URL(fileURLWithPath: path).appendingPathComponent("config.json"))
        backbones[path] = config
        return config
    }
}

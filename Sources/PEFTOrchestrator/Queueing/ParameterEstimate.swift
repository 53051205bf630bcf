import Foundation
import GRDB
import PEFTCLIP
import PEFTMethods
import PEFTStore

/// A run's parameter counts before it runs, from the method's formula, the backbone's config.json and the
/// dataset's classes (what `queue --dry-run --json` prints; the method contract tests check each formula against
/// the tensors `apply` really creates).
public enum ParameterEstimate {
    /// The counts of `plan`, or nil when its backbone or dataset is not available yet.
    public static func counts(_ plan: RunPlan, store: Store, registry: MethodRegistry = .standard) throws -> ParameterCounts? {
        let config = RunConfig(plan.config)
        guard let descriptor = registry[config.method] else { return nil }
        let settings = config.methodSettings(descriptor)
        let method = try descriptor.make(settings)
        var shape: CLIPConfig?
        if let backbone = config.backbone {
            shape = try? CLIPConfig.load(from: BackboneReference(backbone).directory(storePath: store.path).appendingPathComponent("config.json"))
        }
        let (classes, featureWidth) = try store.grdbRead { db -> (Int, Int?) in
            let maxLabel = try Int.fetchOne(db, sql: """
                SELECT MAX(x.label) FROM examples x JOIN datasets d ON d.id = x.dataset_id WHERE d.name = ?
                """, arguments: [config.dataset])
            var width: Int?
            if let feature = method.inputFeature,
               let shapeText = try String.fetchOne(db, sql: """
                    SELECT f.shape FROM example_features f JOIN examples x ON x.id = f.example_id
                    JOIN datasets d ON d.id = x.dataset_id WHERE d.name = ? AND f.name = ? LIMIT 1
                    """, arguments: [config.dataset, feature]) {
                width = shapeText.trimmingCharacters(in: CharacterSet(charactersIn: "[] ")).split(separator: ",")
                    .last.flatMap { Int($0.trimmingCharacters(in: .whitespaces)) }
            }
            return (Swift.max(2, (maxLabel ?? 1) + 1), width)
        }
        let width: Int
        if let featureWidth { width = featureWidth } else if let shape { width = config.fusion.width(projection: shape.projectionDim) } else { return nil }
        let hidden = config.head.int("hidden")
        func dense(_ inputs: Int, _ outputs: Int) -> Int { hidden > 0 ? (inputs + 1) * hidden + (hidden + 1) * outputs : (inputs + 1) * outputs }
        let head: Int
        switch config.task {
        case .classification: head = dense(width, classes)
        case .regression: head = dense(width, 1)
        case .retrieval: head = 1
        }
        guard method.inputFeature == nil else { return ParameterCounts(method: 0, head: head, backbone: 0) }
        guard let shape else { return nil }
        let trained = descriptor.parameterCount(settings, shape)
        return ParameterCounts(method: trained, head: head,
                               backbone: shape.parameterCount - (descriptor.trainsBaseTensors ? trained : 0))
    }
}

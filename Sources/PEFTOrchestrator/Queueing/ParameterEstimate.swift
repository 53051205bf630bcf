import Foundation
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
        let (classes, featureWidth) = try store.read { tx -> (Int, Int?) in
            let maxLabel = try DatasetFacts.read(dataset: config.dataset, in: tx).maxLabel
            let width = try method.inputFeature.flatMap {
                try DatasetFacts.featureShape(dataset: config.dataset, feature: $0, in: tx)?.last
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

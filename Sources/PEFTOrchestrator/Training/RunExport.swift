import Foundation
import PEFTCLIP
import PEFTMethods
import PEFTStore
import PEFTTensor

/// A finished (or checkpointed) run's trained method, rebuilt outside training: the run's model over its
/// backbone with the method applied and the checkpoint's tensors loaded, for export.
public enum RunExport {
    /// Which checkpoint to export.
    public enum Selection: String, Sendable, CaseIterable {
        /// The best validation checkpoint (falls back to the latest).
        case best
        /// The latest checkpoint.
        case last
    }

    /// What a run exports: its method in HF PEFT's adapter format, or, for methods that train the backbone's own
    /// weights (full fine-tuning, BitFit), the whole trained backbone in the Hugging Face layout.
    public enum Artifact {
        case adapter(PEFTAdapter)
        case backbone(CLIPBackbone)
    }

    /// The run's trained method as an artifact to write.
    /// - Throws: `PermanentRunError` when the run, its checkpoint or its backbone is missing, or its method has
    ///   neither a PEFT format nor trained base weights; `CheckpointError` for a bad backbone.
    public static func artifact(runID: Int64, store: Store, selection: Selection = .best,
                                registry: MethodRegistry = .standard) throws -> Artifact {
        let (configJSON, checkpoint) = try store.read { tx -> (String?, CheckpointRecord?) in
            let json = try RunRecord.fetch(id: runID, in: tx)?.configJSON
            let record = selection == .best ? try CheckpointRecord.best(runID: runID, in: tx) ?? CheckpointRecord.latest(runID: runID, in: tx)
                                            : try CheckpointRecord.latest(runID: runID, in: tx)
            return (json, record)
        }
        guard let configJSON else { throw PermanentRunError("no run \(runID) in \(store.path)") }
        guard let checkpoint else { throw PermanentRunError("run \(runID) has no checkpoint yet; train it first (peftlab work)") }
        let config = try RunConfig(json: configJSON)
        guard let descriptor = registry[config.method] else {
            throw PermanentRunError("method '\(config.method)' is not available in this build of peftlab")
        }
        guard let backbone = config.backbone else { throw PermanentRunError("run \(runID) has no backbone to export an adapter for") }
        let loaded = try CLIPBackbone.load(from: BackboneReference.resolve(backbone, storePath: store.path))
        let model = CLIPModel(sharingWeightsOf: loaded.model)
        let method = try descriptor.make(config.methodSettings(descriptor))
        var context = MethodContext(rng: RNG(seed: UInt64(config.seed), stream: Trainer.methodStream), mode: ForwardMode())
        let trainable = try method.apply(to: model, context: &context)
        let saved = Dictionary(try CheckpointCodec.state(from: checkpoint).tensors.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        for (name, tensor) in trainable {
            guard let entry = saved[name], entry.shape == tensor.shape else {
                throw PermanentRunError("run \(runID)'s checkpoint at step \(checkpoint.step) has no tensor '\(name)' of shape \(tensor.shape)")
            }
            tensor.storage = entry.values
        }
        if let adapter = method.peftAdapter(model: model) { return .adapter(adapter) }
        if descriptor.trainsBaseTensors {
            return .backbone(CLIPBackbone(model: model, tokenizer: loaded.tokenizer, preprocessor: loaded.preprocessor))
        }
        throw PermanentRunError("method '\(config.method)' has no Hugging Face format to export "
                                + "(adapters: lora, ia3, coop; whole backbones: full, bitfit)")
    }
}

import Foundation
import PEFTCLIP
import PEFTStore

/// Converts between a trainer's state and a `checkpoints` row (tensors as safetensors bytes).
enum CheckpointCodec {
    static func record(runID: Int64, state: TrainerState, best: Double?, isBest: Bool) throws -> CheckpointRecord {
        let items = state.tensors.map { SafeTensorsWriter.Item(name: $0.name, shape: $0.shape, values: $0.values) }
        return CheckpointRecord(runID: runID, step: state.step, epoch: state.epoch, cursor: state.cursor,
                                parameters: try SafeTensorsWriter.encode(items), optimizer: state.optimizer,
                                rng: state.rng, bestMetric: best, isBest: isBest, createdAt: Store.now())
    }

    static func state(from record: CheckpointRecord) throws -> TrainerState {
        let file = try SafeTensorsFile(data: record.parameters, path: "checkpoint of run \(record.runID) at step \(record.step)")
        let tensors = try file.names.map { name in
            NamedTensor(name: name, shape: file.shape(of: name) ?? [], values: try file.floats(name))
        }
        return TrainerState(step: record.step, epoch: record.epoch, cursor: record.cursor, tensors: tensors,
                            optimizer: record.optimizer, rng: record.rng)
    }
}

/// What a transfer copies: which experiments (with all their runs' rows) and how much of the data side.
public struct TransferSelection: Sendable, Equatable {
    /// How much of the data side (datasets, images, backbones, feature cache) travels with the experiments.
    public enum DataScope: Sendable, Equatable {
        /// None: the runs' configs still name their datasets, which the destination may hold or not.
        case none
        /// The datasets the selected runs' configs name (with their manifests, examples, example features,
        /// quarantined rows, the images and image tensors of those examples), every backbone and the whole
        /// feature cache (keyed by content hashes, it cannot be cut by dataset).
        case referenced
        /// Every dataset, image, image tensor, backbone and cached feature.
        case all
    }

    /// The experiments by name; nil for every experiment of the source.
    public var experiments: [String]?
    /// The data side.
    public var data: DataScope

    public init(experiments: [String]?, data: DataScope) {
        self.experiments = experiments
        self.data = data
    }

    /// Everything a store holds (what `db import` copies).
    public static let everything = TransferSelection(experiments: nil, data: .all)
}

import PEFTTensor

/// DialCLIP's mixture of projection experts: one projection of the joint space per retrieval type, chosen by each
/// row's type (no learned gate: each expert is responsible for one type), or a single shared one (`experts:
/// shared`). An expert is residual and low-rank, e(x) = x + U·(D·x) with D `[r, P]` (torch's default init) and U
/// `[P, r]` zero-initialised, so every expert starts as the identity: training starts from frozen CLIP's space.
/// A row's expert maps both its query and its candidate.
///
/// Parameters: experts × 2·P·r (`image.down.weight`, `image.up.weight`, `response.…`, or `shared.…`).
public final class ProjectionExperts: ParameterContainer {
    /// One expert: `down` `[r, P]`, `up` `[P, r]`, no biases.
    public final class Expert: ParameterContainer {
        public let down: Linear
        public let up: Linear

        init(width: Int, rank: Int, rng: inout RNG) {
            down = Linear(inputSize: width, outputSize: rank, bias: false, rng: &rng)
            up = Linear(weight: Tensor.zeros([width, rank], requiresGrad: true), bias: nil)
        }

        public func callAsFunction(_ x: Tensor) -> Tensor { x + up(down(x)) }

        public func namedParameters() -> [(String, Tensor)] {
            prefixed("down", down.namedParameters()) + prefixed("up", up.namedParameters())
        }
    }

    /// By name: `image`, `response` (per type) or `shared`.
    public let experts: [(name: String, expert: Expert)]

    public init(width: Int, rank: Int, shared: Bool, rng: inout RNG) {
        let names = shared ? ["shared"] : RetrievalType.allCases.map(\.rawValue)
        experts = names.map { ($0, Expert(width: width, rank: rank, rng: &rng)) }
    }

    public var isShared: Bool { experts.count == 1 }

    /// `[B, P]` rows each mapped by its type's expert. Every expert runs on the whole batch and the rows are then
    /// picked, so each expert's tensors are in the graph of every batch (zero gradient for a type the batch lacks).
    public func callAsFunction(_ x: Tensor, types: [RetrievalType]) -> Tensor {
        precondition(types.count == x.shape[0], "ProjectionExperts: \(types.count) types for \(x.shape[0]) rows")
        if isShared { return experts[0].expert(x) }
        let batch = x.shape[0]
        let outputs = experts.map { $0.expert(x) }
        let index = types.enumerated().map { row, type in RetrievalType.allCases.firstIndex(of: type)! * batch + row }
        return Tensor.concatenated(outputs, axis: 0).indexSelect(axis: 0, indices: index)
    }

    public func namedParameters() -> [(String, Tensor)] {
        experts.flatMap { prefixed($0.name, $0.expert.namedParameters()) }
    }

    /// Parameters of `count` experts of rank `rank` on a `width`-wide joint space.
    public static func parameterCount(width: Int, rank: Int, count: Int) -> Int { count * 2 * width * rank }
}

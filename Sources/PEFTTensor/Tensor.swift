/// A Float32 tensor that is also a node of the reverse-mode autograd graph.
///
/// Values live in `storage`, contiguous and row-major (`shape` [2, 3] stores row 0 then row 1). Every op returns a
/// new tensor; when grad mode is on and one of its inputs `requiresGrad`, the result records its inputs and a
/// closure that turns the result's gradient into gradients of those inputs. When no input requires grad, nothing
/// is recorded: the result holds no inputs, no closure and no saved activations, so frozen layers below the first
/// trainable module cost no memory in backward.
///
/// `backward()` seeds the scalar loss with 1, sorts the recorded graph topologically and calls each node's
/// closure in reverse order. Gradients of leaves (parameters) accumulate across calls until `zeroGrad()`;
/// the graph itself is consumed: each interior node drops its closure, inputs and gradient once used.
///
/// Each op's backward is written beside its forward (`Tensor+Elementwise.swift`, `Tensor+Matmul.swift`, …);
/// the hot loops they call live in `Kernels/`.
public final class Tensor: @unchecked Sendable {
    /// Row-major dimensions; `[]` is a scalar.
    public let shape: [Int]
    /// Contiguous row-major values (mutable for optimisers and checkpoint loading).
    public var storage: [Float]
    /// Accumulated gradient, same count as `storage`; nil until a backward pass reaches this tensor.
    public var grad: [Float]?
    /// True for trainable leaves and for op results that depend on one.
    public var requiresGrad: Bool
    /// Dotted parameter path for parameters, op label for op results (readable graph dumps).
    public var name: String?

    /// The tensors this one was computed from; empty for leaves and for results recorded without a graph.
    private(set) var inputs: [Tensor] = []
    /// Receives this tensor's gradient and adds the matching gradients into `inputs`.
    private var backwardFunction: ((_ outputGrad: [Float]) -> Void)?

    /// Makes a tensor from row-major values; `storage.count` must equal the product of `shape`.
    public init(shape: [Int], storage: [Float], requiresGrad: Bool = false, name: String? = nil) {
        precondition(shape.allSatisfy { $0 >= 0 }, "Tensor: negative dimension in shape \(shape)")
        precondition(storage.count == shape.reduce(1, *),
                     "Tensor: shape \(shape) needs \(shape.reduce(1, *)) values, got \(storage.count)")
        self.shape = shape
        self.storage = storage
        self.requiresGrad = requiresGrad
        self.name = name
    }

    /// A rank-0 tensor holding one value.
    public convenience init(_ scalar: Float) {
        self.init(shape: [], storage: [scalar])
    }

    deinit {
        if backwardFunction != nil { GraphStatistics.nodeReleased() }
    }

    /// Number of elements (product of `shape`).
    public var count: Int { storage.count }
    /// Number of dimensions.
    public var rank: Int { shape.count }
    /// The single value of a one-element tensor.
    public var scalar: Float {
        precondition(count == 1, "scalar: tensor of shape \(shape) has \(count) elements, expected 1")
        return storage[0]
    }
    /// True when this tensor is an op result with a recorded backward step (false for leaves and frozen paths).
    public var hasGraph: Bool { backwardFunction != nil }

    /// Runs reverse-mode differentiation from this scalar: gradients accumulate into every reachable tensor with
    /// `requiresGrad` and no recorded op (the leaves). The graph is released as it is walked. Does nothing when the
    /// loss does not require grad (no trainable tensor contributed to it).
    public func backward() {
        precondition(count == 1, "backward: loss must have one element, got shape \(shape)")
        guard requiresGrad else { return }
        let order = topologicalOrder()
        accumulateGrad([1])
        for node in order.reversed() {
            if let step = node.backwardFunction, let g = node.grad { step(g) }
            node.releaseGraph()
        }
    }

    /// Clears the accumulated gradient.
    public func zeroGrad() { grad = nil }

    /// Same values, no graph, not requiring grad.
    public func detached() -> Tensor { Tensor(shape: shape, storage: storage) }

    /// Nodes with a recorded backward step reachable from `self`, inputs before the nodes that use them.
    private func topologicalOrder() -> [Tensor] {
        var order: [Tensor] = []
        var visited = Set<ObjectIdentifier>()
        var stack: [(node: Tensor, expanded: Bool)] = [(self, false)]
        while let (node, expanded) = stack.popLast() {
            if expanded { order.append(node); continue }
            guard node.backwardFunction != nil, visited.insert(ObjectIdentifier(node)).inserted else { continue }
            stack.append((node, true))
            for input in node.inputs where input.backwardFunction != nil { stack.append((input, false)) }
        }
        return order
    }

    /// Drops the closure, its inputs and (for interior nodes) the gradient once backward has used them.
    private func releaseGraph() {
        guard backwardFunction != nil else { return }
        backwardFunction = nil
        inputs = []
        grad = nil
        GraphStatistics.nodeReleased()
    }

    /// Runs this node's backward step once with `outputGrad`, leaving the graph in place (for benchmarks that time
    /// one op's backward in isolation). Does nothing for leaves.
    func runBackwardStep(_ outputGrad: [Float]) {
        backwardFunction?(outputGrad)
    }

    /// True when an op over `inputs` must record a backward step (grad mode on, some input requires grad).
    static func needsGraph(_ inputs: [Tensor]) -> Bool {
        GradMode.isEnabled && inputs.contains { $0.requiresGrad }
    }

    /// Wraps an op's output; records `backward` only when `needsGraph(inputs)`, otherwise drops it (and whatever it
    /// captured) at once. `backward` receives the result's gradient and must add into inputs that `requiresGrad`.
    static func result(_ shape: [Int], _ storage: [Float], op: String, inputs: [Tensor],
                       backward: @escaping (_ outputGrad: [Float]) -> Void) -> Tensor {
        let out = Tensor(shape: shape, storage: storage)
        guard needsGraph(inputs) else { return out }
        out.requiresGrad = true
        out.name = op
        out.inputs = inputs
        out.backwardFunction = backward
        GraphStatistics.nodeRecorded()
        return out
    }
}

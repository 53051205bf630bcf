/// Anything holding named parameters; names are dotted paths matching HF checkpoint keys.
///
/// Trainability is the tensors' own `requiresGrad`: freezing a container switches it off for every parameter, so
/// frozen weights get no gradient buffers and ops on frozen paths record no graph.
public protocol ParameterContainer: AnyObject {
    /// Every parameter with its dotted path relative to this container (e.g. `self_attn.q_proj.weight`).
    func namedParameters() -> [(String, Tensor)]
}

extension ParameterContainer {
    /// Parameters with `requiresGrad` (what an optimiser should update).
    public func trainableParameters() -> [(String, Tensor)] { namedParameters().filter { $0.1.requiresGrad } }

    /// Stops training every parameter and drops their gradients. Already-frozen tensors are not written, so
    /// freezing a container whose tensors other threads read (shared frozen weights) is safe.
    public func freezeAll() {
        for (_, t) in namedParameters() where t.requiresGrad || t.grad != nil {
            t.requiresGrad = false
            t.grad = nil
        }
    }

    /// Makes every parameter trainable.
    public func unfreezeAll() { for (_, t) in namedParameters() { t.requiresGrad = true } }

    /// Total number of scalar parameters (trainable or not).
    public func parameterCount() -> Int { namedParameters().reduce(0) { $0 + $1.1.count } }

    /// Clears every parameter's gradient.
    public func zeroGrad() { for (_, t) in namedParameters() { t.zeroGrad() } }
}

/// `children`' parameters with `prefix.` prepended to their paths (for building nested containers).
public func prefixed(_ prefix: String, _ parameters: [(String, Tensor)]) -> [(String, Tensor)] {
    parameters.map { ("\(prefix).\($0.0)", $0.1) }
}

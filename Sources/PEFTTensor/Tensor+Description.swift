/// Readable printing of tensors and of the recorded graph.
extension Tensor: CustomStringConvertible {
    /// `Tensor([2, 3], requiresGrad, linear) [0.1, 0.2, 0.3, …]`: shape, flags, label, up to 8 values.
    public var description: String {
        var flags = ["\(shape)"]
        if requiresGrad { flags.append("requiresGrad") }
        if let name { flags.append(name) }
        let shown = storage.prefix(8).map { "\($0)" }.joined(separator: ", ")
        return "Tensor(\(flags.joined(separator: ", "))) [\(shown)\(count > 8 ? ", …" : "")]"
    }

    /// The recorded graph below this tensor, one node per line, inputs indented under their consumer; leaves show
    /// their names (parameter paths). Shared subgraphs are printed once and referred to by label afterwards.
    public func graphDescription() -> String {
        var lines: [String] = []
        var seen = Set<ObjectIdentifier>()
        func visit(_ t: Tensor, _ depth: Int) {
            let pad = String(repeating: "  ", count: depth)
            let label = t.name ?? (t.requiresGrad ? "leaf" : "constant")
            guard seen.insert(ObjectIdentifier(t)).inserted else { lines.append("\(pad)\(label) \(t.shape) (see above)"); return }
            lines.append("\(pad)\(label) \(t.shape)\(t.hasGraph ? "" : t.requiresGrad ? " ∂" : "")")
            for input in t.inputs { visit(input, depth + 1) }
        }
        visit(self, 0)
        return lines.joined(separator: "\n")
    }
}

import CYaml

/// Bounds what a YAML document can expand to before Yams builds a tree from it.
///
/// Yams resolves an alias (`*a`) to the node its anchor (`&a`) names, and hashing or walking the tree visits
/// every expanded copy: nine levels of ten aliases are a billion nodes from a few hundred bytes ("billion laughs").
/// This guard replays libyaml's event stream once, keeping for each anchor the size of its expansion, and stops
/// at the first alias or nesting level past the limits. Cost: one parse, O(events) time, O(anchors + depth) memory.
enum YAMLSizeGuard {
    /// Nodes (scalars and collections, every alias counted as the size of what it names) a spec may expand to.
    static let nodeLimit = 100_000
    /// How deep collections may nest (specs need about four levels; Yams recurses once per level).
    static let depthLimit = 64

    /// Why a document is refused, with its 1-based line.
    struct Excess: Equatable {
        var line: Int
        var message: String
    }

    /// The first place `yaml` passes a limit, or nil when it stays within them (syntax errors are left to Yams,
    /// which reports them with their line).
    static func check(_ yaml: String, nodeLimit: Int = nodeLimit, depthLimit: Int = depthLimit) -> Excess? {
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else { return nil }
        defer { yaml_parser_delete(&parser) }
        let bytes = Array(yaml.utf8)
        return bytes.withUnsafeBufferPointer { buffer -> Excess? in
            yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)
            var expansion: [String: Int] = [:]
            var open: [(anchor: String?, size: Int)] = []
            var total = 0
            func add(_ size: Int) {
                total += size
                if !open.isEmpty { open[open.count - 1].size += size }
            }
            while true {
                var event = yaml_event_t()
                guard yaml_parser_parse(&parser, &event) == 1 else { return nil }
                defer { yaml_event_delete(&event) }
                let line = Int(event.start_mark.line) + 1
                switch event.type {
                case YAML_STREAM_END_EVENT:
                    return nil
                case YAML_SCALAR_EVENT:
                    add(1)
                    if let anchor = name(event.data.scalar.anchor) { expansion[anchor] = 1 }
                case YAML_ALIAS_EVENT:
                    let alias = name(event.data.alias.anchor) ?? ""
                    add(expansion[alias] ?? 1)
                    if total > nodeLimit {
                        return Excess(line: line, message: "alias '*\(alias)' makes this document expand to more than "
                                        + "\(nodeLimit) values; a spec needs far fewer: write the values out instead")
                    }
                case YAML_SEQUENCE_START_EVENT, YAML_MAPPING_START_EVENT:
                    let anchor = event.type == YAML_SEQUENCE_START_EVENT ? name(event.data.sequence_start.anchor)
                                                                         : name(event.data.mapping_start.anchor)
                    open.append((anchor, 1))
                    if open.count > depthLimit {
                        return Excess(line: line, message: "lists and mappings nest more than \(depthLimit) levels deep")
                    }
                case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
                    let closed = open.removeLast()
                    if let anchor = closed.anchor { expansion[anchor] = closed.size }
                    total += 1
                    if !open.isEmpty { open[open.count - 1].size += closed.size }
                default:
                    break
                }
                if total > nodeLimit {
                    return Excess(line: line, message: "the document has more than \(nodeLimit) values; "
                                    + "a spec needs far fewer")
                }
            }
        }
    }

    private static func name(_ pointer: UnsafeMutablePointer<yaml_char_t>?) -> String? {
        pointer.map { String(cString: $0) }
    }
}

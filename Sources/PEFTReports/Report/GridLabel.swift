import PEFTMethods

/// Readable configuration labels from a run's grid values: `lora r=8 layers=7-12`.
enum GridLabel {
    /// The grid values of `runs.grid_json`, keys sorted, values in their short form (`[q, v]`, `0.05`).
    static func values(gridJSON: String) -> [(key: String, value: String)] {
        guard case .map(let map)? = try? ConfigValue.parseJSON(gridJSON) else { return [] }
        return map.keys.sorted().map { ($0, map[$0]!.description) }
    }

    /// The method, then `name=value` per grid key: the last path component (`method.r` → `r`) unless two keys
    /// share it; `method.name` is left out (the method leads the label).
    static func label(method: String, grid: [(key: String, value: String)]) -> String {
        let shown = grid.filter { $0.key != "method.name" }
        let lasts = shown.map { $0.key.split(separator: ".").last.map(String.init) ?? $0.key }
        let parts = zip(shown, lasts).map { item, last in
            (lasts.filter { $0 == last }.count > 1 ? item.key : last) + "=" + item.value
        }
        return ([method] + parts).joined(separator: " ")
    }

    /// The labels with ` (2)`, ` (3)`… appended to repeats (configurations that differ outside the grid).
    static func unique(_ labels: [String]) -> [String] {
        var seen: [String: Int] = [:]
        return labels.map { label in
            seen[label, default: 0] += 1
            return seen[label]! == 1 ? label : "\(label) (\(seen[label]!))"
        }
    }
}

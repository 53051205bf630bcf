import Foundation

/// The directory manifest image paths are resolved against, and the guard that keeps them inside it.
struct ImageRoot: Sendable {
    /// Absolute, symlink-resolved root.
    let url: URL

    init(_ url: URL) {
        self.url = url.standardizedFileURL.resolvingSymlinksInPath()
    }

    /// Resolves `relative` (after the pattern is applied) to a file inside the root.
    /// Returns the failure reason when the path is absolute outside the root or climbs out with `..` or a symlink.
    func resolve(_ relative: String) -> Result<URL, RowProblem> {
        let trimmed = relative.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else { return .failure(RowProblem(field: nil, reason: "empty image path")) }
        let candidate = trimmed.hasPrefix("/") ? URL(fileURLWithPath: trimmed)
                                               : url.appendingPathComponent(trimmed)
        let resolved = candidate.standardizedFileURL.resolvingSymlinksInPath()
        let root = url.path.hasSuffix("/") ? url.path : url.path + "/"
        guard resolved.path.hasPrefix(root) else {
            return .failure(RowProblem(field: nil,
                                       reason: "image path '\(trimmed)' escapes the image root \(url.path)"))
        }
        return .success(resolved)
    }
}

/// Why one manifest row could not be ingested (the field is filled in by the caller when known).
struct RowProblem: Error, Sendable, Equatable {
    var field: String?
    var reason: String
}

import Foundation

/// How spec file paths are resolved: a `base:` path is relative to the directory of the file that names it,
/// whatever the working directory, with `..` meaning the parent of that (symlink-resolved) directory.
enum SpecPath {
    /// The file `base:` names: `relative` as written (absolute, or relative to the directory `file` sits in), as
    /// an absolute path with symlinks, `.` and `..` resolved (lexically where nothing exists).
    static func base(_ relative: String, namedIn file: String) -> String {
        if relative.hasPrefix("/") { return canonical(relative) }
        let directory = canonical((absolute(file) as NSString).deletingLastPathComponent)
        return canonical(directory + "/" + relative)
    }

    /// `path` made absolute against the working directory, otherwise unchanged.
    static func absolute(_ path: String) -> String {
        path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
    }

    /// `path` as an absolute path: symlinks resolved when it exists, else `.` and `..` removed lexically.
    static func canonical(_ path: String) -> String {
        let absolute = absolute(path)
        if let resolved = realpath(absolute, nil) {
            defer { free(resolved) }
            return String(cString: resolved)
        }
        return lexicallyNormalized(absolute)
    }

    /// Removes empty, `.` and `..` components from an absolute path without touching the file system.
    static func lexicallyNormalized(_ absolute: String) -> String {
        var parts: [Substring] = []
        for part in absolute.split(separator: "/", omittingEmptySubsequences: true) {
            switch part {
            case ".": continue
            case "..": if !parts.isEmpty { parts.removeLast() }
            default: parts.append(part)
            }
        }
        return "/" + parts.joined(separator: "/")
    }

    /// Why `String(contentsOfFile:encoding: .utf8)` failed for `path`, in a few words.
    static func whyUnreadable(_ path: String) -> String {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { return "no such file" }
        if isDirectory.boolValue { return "it is a directory, expected a YAML file" }
        guard FileManager.default.isReadableFile(atPath: path) else { return "permission denied" }
        return "not UTF-8 text"
    }
}

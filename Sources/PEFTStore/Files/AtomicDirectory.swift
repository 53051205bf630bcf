import Foundation

/// Writes a directory artifact (a generated backbone, a dataset folder, an exported adapter, a report) so that its
/// final path only ever holds a complete version: the content is built under a temporary name beside it and
/// renamed into place. A process killed half-way (even with -9) leaves only a temporary `.<name>.partial-…`
/// sibling, removed by the next write once its process is gone.
///
/// Every PEFTLab writer of a generated directory goes through here (PEFTStore is the lowest target they all reach).
public enum AtomicDirectory {
    /// What to do when the destination already exists.
    public enum Existing: Sendable {
        /// Leave it and throw `FileError` with `EEXIST`.
        case refuse
        /// Replace it with the new version (the old one is moved aside, then deleted).
        case replace
    }

    /// Lets `body` fill a new, empty temporary directory beside `destination`, then renames it to `destination`.
    /// If `body` throws, the temporary directory is removed and `destination` is left as it was.
    /// - Throws: what `body` throws; `FileError` when the temporary directory cannot be made or moved, or when
    ///   `destination` exists and `existing` is `.refuse`.
    public static func write(to destination: URL, existing: Existing, _ body: (URL) throws -> Void) throws {
        let path = destination.standardizedFileURL.path
        let manager = FileManager.default
        Staging.removeAbandoned(of: path)
        let parent = (path as NSString).deletingLastPathComponent
        do {
            try manager.createDirectory(atPath: parent, withIntermediateDirectories: true)
        } catch {
            throw FileError(path: parent, operation: .create, code: errnoOf(error, default: EACCES))
        }
        if existing == .refuse && manager.fileExists(atPath: path) {
            throw FileError(path: path, operation: .write, code: EEXIST)
        }
        let staging = Staging.siblingName(of: path, kind: "partial")
        guard mkdir(staging, 0o755) == 0 else { throw FileError(path: staging, operation: .create, code: errno) }
        do {
            try body(URL(fileURLWithPath: staging, isDirectory: true))
        } catch {
            try? manager.removeItem(atPath: staging)
            throw error
        }
        try moveIntoPlace(staging, path)
    }

    /// True when `directory` exists and every name in `files` is a non-empty regular file in it: the check for an
    /// artifact written before atomic writes existed, which a killed run may have left incomplete.
    public static func isComplete(_ directory: URL, files: [String]) -> Bool {
        files.allSatisfy { name in
            var info = stat()
            let path = directory.appendingPathComponent(name).path
            return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG && info.st_size > 0
        }
    }

    /// Renames `staging` to `path`; an existing `path` is first moved aside and deleted once the new one is in.
    private static func moveIntoPlace(_ staging: String, _ path: String) throws {
        if rename(staging, path) == 0 { return }
        let code = errno
        guard code == ENOTEMPTY || code == EEXIST || code == EISDIR || code == ENOTDIR else {
            try? FileManager.default.removeItem(atPath: staging)
            throw FileError(path: path, operation: .move, code: code)
        }
        let aside = Staging.siblingName(of: path, kind: "old")
        guard rename(path, aside) == 0 else {
            let failure = errno
            try? FileManager.default.removeItem(atPath: staging)
            throw FileError(path: path, operation: .move, code: failure)
        }
        guard rename(staging, path) == 0 else {
            let failure = errno
            _ = rename(aside, path)
            try? FileManager.default.removeItem(atPath: staging)
            throw FileError(path: path, operation: .move, code: failure)
        }
        try? FileManager.default.removeItem(atPath: aside)
    }

    /// The POSIX code inside a Foundation error, or `fallback`.
    static func errnoOf(_ error: Error, default fallback: Int32) -> Int32 {
        let ns = error as NSError
        if ns.domain == NSPOSIXErrorDomain { return Int32(ns.code) }
        if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return Int32(underlying.code)
        }
        return fallback
    }
}

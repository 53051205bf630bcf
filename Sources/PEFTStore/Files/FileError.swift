import Foundation

/// Why a file or directory could not be read or written, as a sentence saying what is wrong and what to do.
///
/// Built from the `errno` of the failing call, never from Foundation's `NSCocoaErrorDomain` codes, so
/// "error 256" becomes "it is a directory" and an allocation failure is not reported as a permission problem.
public struct FileError: Error, Equatable, Sendable, CustomStringConvertible {
    /// What was being done.
    public enum Operation: String, Sendable {
        case read, write, create, move
    }

    public var path: String
    public var operation: Operation
    /// The `errno` of the failing call (0 when the problem was found without a system call).
    public var code: Int32
    /// Extra context, e.g. the size of a file that did not fit in memory.
    public var detail: String?

    public init(path: String, operation: Operation, code: Int32, detail: String? = nil) {
        self.path = path
        self.operation = operation
        self.code = code
        self.detail = detail
    }

    /// `path: cannot read: it is a directory, expected a file; give the path of a file`.
    public var description: String {
        "\(path): cannot \(operation.rawValue) it: \(reason)" + (detail.map { " (\($0))" } ?? "")
    }

    /// What is wrong and what to do, for this `errno`.
    public var reason: String {
        switch code {
        case EISDIR: return "it is a directory, expected a file; give the path of a file"
        case ENOTDIR: return "a component of the path is not a directory"
        case ENOENT: return operation == .read ? "no such file" : "its directory does not exist; create it first"
        case EACCES, EPERM: return "permission denied; check the file's and its directory's permissions"
        case ENOMEM: return "out of memory; free memory or raise the limit (ulimit -v), or use a smaller file"
        case ENOSPC, EDQUOT: return "the disk is full; free some space and run the command again"
        case EROFS: return "the file system is read-only; write somewhere else"
        case EEXIST: return "something is already there; remove it or choose another name"
        case ENAMETOOLONG: return "the path is too long"
        case EFBIG: return "the file is too large"
        case EXDEV: return "it is on another file system than its temporary copy"
        case ENODEV: return "it is not a regular file; give the path of a file"
        default: return String(cString: strerror(code))
        }
    }
}

import Foundation

/// Reading a whole file and writing one atomically, with errors that say what is wrong (`FileError`).
public enum FileIO {
    /// The bytes of the file at `path`.
    /// - Cost: one allocation of the file's size; an allocation failure is an error, never a crash.
    /// - Throws: `FileError` (missing, a directory or device, no permission, out of memory, I/O error).
    public static func read(_ path: String) throws(FileError) -> Data {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw FileError(path: path, operation: .read, code: errno) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw FileError(path: path, operation: .read, code: errno) }
        switch info.st_mode & S_IFMT {
        case S_IFDIR: throw FileError(path: path, operation: .read, code: EISDIR)
        case S_IFCHR, S_IFBLK, S_IFSOCK:  // /dev/zero would be read until memory runs out
            throw FileError(path: path, operation: .read, code: ENODEV, detail: "a device or socket, not a file")
        default: break
        }
        var capacity = max(Int(info.st_size), 0) + 1
        guard var buffer = malloc(capacity) else {
            throw FileError(path: path, operation: .read, code: ENOMEM, detail: "the file is \(info.st_size) bytes")
        }
        var count = 0
        while true {
            if count == capacity {
                capacity *= 2
                guard let grown = realloc(buffer, capacity) else {
                    free(buffer)
                    throw FileError(path: path, operation: .read, code: ENOMEM, detail: "more than \(count) bytes")
                }
                buffer = grown
            }
            let n = Foundation.read(fd, buffer + count, capacity - count)
            if n < 0 {
                if errno == EINTR { continue }
                let code = errno
                free(buffer)
                throw FileError(path: path, operation: .read, code: code)
            }
            if n == 0 { break }
            count += n
        }
        return Data(bytesNoCopy: buffer, count: count, deallocator: .free)
    }

    /// Writes `data` to a temporary file beside `path` and renames it over `path`: readers see the old file or
    /// the whole new one, never a prefix, and a crash leaves no half-written file under `path`.
    /// - Throws: `FileError` (`path` is a directory, its directory is missing, no permission, disk full).
    public static func write(_ data: Data, to path: String) throws(FileError) {
        var info = stat()
        if stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR {
            throw FileError(path: path, operation: .write, code: EISDIR)
        }
        let temporary = Staging.siblingName(of: path, kind: "partial")
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw FileError(path: path, operation: .write, code: errno) }
        var failure: Int32 = 0
        data.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count, let base = raw.baseAddress {
                let n = Foundation.write(fd, base + offset, raw.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    failure = errno
                    return
                }
                offset += n
            }
        }
        if failure == 0 && fsync(fd) != 0 { failure = errno }
        close(fd)
        if failure == 0 && rename(temporary, path) != 0 { failure = errno }
        if failure != 0 {
            unlink(temporary)
            throw FileError(path: path, operation: .write, code: failure)
        }
    }
}

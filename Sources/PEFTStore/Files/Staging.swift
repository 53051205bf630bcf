import Foundation

/// Temporary names beside an artifact: `.<name>.<kind>-<pid>-<random>` in the same directory (so a rename into
/// place stays on one file system), and removal of the ones a killed process left behind.
enum Staging {
    /// A fresh temporary path next to `path` (`kind` is `partial` for work in progress, `old` for a replaced copy).
    static func siblingName(of path: String, kind: String) -> String {
        let url = URL(fileURLWithPath: path)
        let random = UInt32.random(in: 0 ... .max)
        return url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).\(kind)-\(getpid())-\(String(random, radix: 16))").path
    }

    /// Removes temporary siblings of `path` whose writing process is gone (`kill(pid, 0)` says ESRCH).
    static func removeAbandoned(of path: String) {
        let url = URL(fileURLWithPath: path)
        let directory = url.deletingLastPathComponent()
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory.path) else { return }
        for name in names {
            for kind in ["partial", "old"] {
                let prefix = ".\(url.lastPathComponent).\(kind)-"
                guard name.hasPrefix(prefix),
                      let pid = Int32(name.dropFirst(prefix.count).prefix(while: { $0 != "-" })),
                      kill(pid, 0) != 0, errno == ESRCH else { continue }
                try? FileManager.default.removeItem(at: directory.appendingPathComponent(name))
            }
        }
    }
}

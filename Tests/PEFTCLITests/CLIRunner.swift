import Foundation
import XCTest

/// Runs the built `peftlab` binary (next to the test bundle) and captures its output and exit code.
struct CLIRunner {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// The peftlab executable in the same build products folder as the tests.
    static var executable: URL {
        var dir = Bundle.main.bundleURL
        for _ in 0..<4 where !FileManager.default.fileExists(atPath: dir.appendingPathComponent("peftlab").path) {
            dir = dir.deletingLastPathComponent()
        }
        return dir.appendingPathComponent("peftlab")
    }

    /// Runs peftlab with `arguments`, in `directory` when given, through `prefix` (e.g. `setpriv … `) when given.
    static func run(_ arguments: [String], environment: [String: String] = [:], in directory: URL? = nil,
                    prefix: [String] = []) throws -> Result {
        let process = Process()
        if prefix.isEmpty {
            process.executableURL = executable
            process.arguments = arguments
        } else {
            process.executableURL = URL(fileURLWithPath: prefix[0])
            process.arguments = Array(prefix.dropFirst()) + [executable.path] + arguments
        }
        if let directory { process.currentDirectoryURL = directory }
        var env = ProcessInfo.processInfo.environment
        env.removeValue(forKey: "PEFTLAB_DB")
        for (k, v) in environment { env[k] = v }
        process.environment = env
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                      stderr: String(decoding: errData, as: UTF8.self))
    }
}

/// A fresh directory under the system temp dir, removed when released.
final class TemporaryDirectory {
    let url: URL
    init() {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("peftlab-cli-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    func path(_ name: String) -> String { url.appendingPathComponent(name).path }
    deinit { try? FileManager.default.removeItem(at: url) }
}

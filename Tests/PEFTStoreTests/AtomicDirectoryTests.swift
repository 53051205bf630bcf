import Foundation
import XCTest
@testable import PEFTStore

/// A directory artifact is either absent, the previous complete version or the new one: never half-written.
final class AtomicDirectoryTests: XCTestCase {
    private struct Interrupted: Error {}

    func testAFailedWriteLeavesNoDestinationAndNoStagingDirectory() throws {
        let dir = TemporaryDirectory()
        let destination = dir.url.appendingPathComponent("backbone")
        XCTAssertThrowsError(try AtomicDirectory.write(to: destination, existing: .replace) { staging in
            try Data("{}".utf8).write(to: staging.appendingPathComponent("config.json"))
            throw Interrupted()
        }) { XCTAssertTrue($0 is Interrupted) }
        XCTAssertFalse(FileManager.default.fileExists(atPath: destination.path))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.url.path), [])
    }

    func testReplaceSwapsInTheNewVersionAndRefuseKeepsTheOld() throws {
        let dir = TemporaryDirectory()
        let destination = dir.url.appendingPathComponent("out")
        try AtomicDirectory.write(to: destination, existing: .refuse) { staging in
            try Data("one".utf8).write(to: staging.appendingPathComponent("a.txt"))
        }
        XCTAssertThrowsError(try AtomicDirectory.write(to: destination, existing: .refuse) { _ in }) { error in
            XCTAssertEqual((error as? FileError)?.code, EEXIST)
        }
        try AtomicDirectory.write(to: destination, existing: .replace) { staging in
            try Data("two".utf8).write(to: staging.appendingPathComponent("b.txt"))
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: destination.path), ["b.txt"])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.url.path), ["out"], "no leftovers")
    }

    /// What a `kill -9` mid-write leaves (a staging directory of a dead process) is cleaned up by the next write;
    /// a staging directory of a live process is left alone.
    func testStagingLeftByADeadProcessIsRemovedByTheNextWrite() throws {
        let dir = TemporaryDirectory()
        let destination = dir.url.appendingPathComponent("data")
        let finished = Process()
        finished.executableURL = URL(fileURLWithPath: "/bin/true")
        try finished.run()
        finished.waitUntilExit()
        let dead = dir.url.appendingPathComponent(".data.partial-\(finished.processIdentifier)-1a2b")
        let alive = dir.url.appendingPathComponent(".data.partial-\(getpid())-3c4d")
        for stale in [dead, alive] { try FileManager.default.createDirectory(at: stale, withIntermediateDirectories: true) }
        try AtomicDirectory.write(to: destination, existing: .replace) { _ in }
        XCTAssertFalse(FileManager.default.fileExists(atPath: dead.path))
        XCTAssertTrue(FileManager.default.fileExists(atPath: alive.path))
    }

    func testIsCompleteNeedsEveryFileNonEmpty() throws {
        let dir = TemporaryDirectory()
        try Data("x".utf8).write(to: dir.url.appendingPathComponent("config.json"))
        try Data().write(to: dir.url.appendingPathComponent("vocab.json"))
        XCTAssertTrue(AtomicDirectory.isComplete(dir.url, files: ["config.json"]))
        XCTAssertFalse(AtomicDirectory.isComplete(dir.url, files: ["config.json", "vocab.json"]), "empty file")
        XCTAssertFalse(AtomicDirectory.isComplete(dir.url, files: ["config.json", "merges.txt"]), "missing file")
    }
}

import Foundation
import XCTest
@testable import PEFTStore

/// File errors say what is wrong (from errno), never `NSCocoaErrorDomain error 256/512`.
final class FileIOTests: XCTestCase {
    func testReadErrorsNameTheProblem() throws {
        let dir = TemporaryDirectory()
        XCTAssertThrowsError(try FileIO.read(dir.url.path)) { error in
            XCTAssertEqual((error as? FileError)?.code, EISDIR)
            XCTAssertTrue("\(error)".contains("it is a directory"), "\(error)")
            XCTAssertFalse("\(error)".contains("NSCocoaErrorDomain"), "\(error)")
        }
        XCTAssertThrowsError(try FileIO.read(dir.path("missing.png"))) { error in
            XCTAssertEqual((error as? FileError)?.code, ENOENT)
            XCTAssertTrue("\(error)".contains("no such file"), "\(error)")
        }
        XCTAssertThrowsError(try FileIO.read("/dev/zero"), "a device would be read until memory runs out") { error in
            XCTAssertEqual((error as? FileError)?.code, ENODEV)
        }
        XCTAssertEqual(FileError(path: "big.png", operation: .read, code: ENOMEM).reason.contains("out of memory"), true,
                       "an allocation failure is not a permission problem")
        let bytes = Data((0..<10_000).map { UInt8(truncatingIfNeeded: $0 &* 31) })
        try bytes.write(to: dir.url.appendingPathComponent("f.bin"))
        XCTAssertEqual(try FileIO.read(dir.path("f.bin")), bytes)
    }

    func testWriteIsAtomicAndRefusesADirectory() throws {
        let dir = TemporaryDirectory()
        XCTAssertThrowsError(try FileIO.write(Data("x".utf8), to: dir.url.path)) { error in
            XCTAssertEqual((error as? FileError)?.code, EISDIR)
            XCTAssertTrue("\(error)".contains("it is a directory, expected a file"), "\(error)")
        }
        XCTAssertThrowsError(try FileIO.write(Data("x".utf8), to: dir.path("no/such/dir/out.npy"))) { error in
            XCTAssertTrue("\(error)".contains("its directory does not exist"), "\(error)")
        }
        try FileIO.write(Data("old".utf8), to: dir.path("out.npy"))
        try FileIO.write(Data("new".utf8), to: dir.path("out.npy"))
        XCTAssertEqual(try Data(contentsOf: dir.url.appendingPathComponent("out.npy")), Data("new".utf8))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.url.path), ["out.npy"], "no temporaries")
    }
}

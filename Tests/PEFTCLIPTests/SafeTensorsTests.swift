import Foundation
import XCTest
@testable import PEFTCLIP

/// The safetensors reader and writer: round trips, dtype conversion, and one-line errors for damaged files.
final class SafeTensorsTests: XCTestCase {
    /// A safetensors image from a header object and raw data bytes.
    private func image(_ header: [String: Any], data: [UInt8]) throws -> Data {
        let json = try JSONSerialization.data(withJSONObject: header)
        var length = UInt64(json.count).littleEndian
        return Data(bytes: &length, count: 8) + json + Data(data)
    }

    func testWriteThenReadRoundTripsValuesShapesAndScalars() throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("t.safetensors")
        let matrix = (0 ..< 6).map { Float($0) * 0.5 - 1 }
        try SafeTensorsWriter.write([
            .init(name: "b.matrix", shape: [2, 3], values: matrix),
            .init(name: "a.scalar", shape: [], values: [2.6592]),
            .init(name: "c.empty", shape: [0, 4], values: []),
        ], metadata: ["format": "pt"], to: url)
        let file = try SafeTensorsFile(contentsOf: url)
        XCTAssertEqual(file.names, ["a.scalar", "b.matrix", "c.empty"])
        XCTAssertEqual(file.metadata["format"], "pt")
        XCTAssertEqual(try file.floats("b.matrix", shape: [2, 3]), matrix)
        XCTAssertEqual(try file.floats("a.scalar", shape: []), [2.6592])
        XCTAssertEqual(try file.floats("c.empty"), [])
        let headerLength = try Data(contentsOf: url).prefix(8).withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }
        XCTAssertEqual(headerLength % 8, 0, "header padded to 8 bytes like the reference writer")
    }

    func testHalfBFloatAndDoubleConvertExactly() throws {
        // F16: 1.0 = 0x3C00, -2.5 = 0xC100, smallest subnormal 0x0001 = 2^-24, +inf 0x7C00.
        let f16: [UInt16] = [0x3C00, 0xC100, 0x0001, 0x7C00]
        // BF16: 1.0 = 0x3F80, -0.15625 = 0xBE20.
        let bf16: [UInt16] = [0x3F80, 0xBE20]
        let f64: [Double] = [0.1, -3]
        var bytes: [UInt8] = []
        for value in f16 + bf16 { bytes += [UInt8(value & 0xFF), UInt8(value >> 8)] }
        for value in f64 { withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes += $0 } }
        let data = try image([
            "h": ["dtype": "F16", "shape": [4], "data_offsets": [0, 8]],
            "b": ["dtype": "BF16", "shape": [2], "data_offsets": [8, 12]],
            "d": ["dtype": "F64", "shape": [2], "data_offsets": [12, 28]],
            "ids": ["dtype": "I64", "shape": [0], "data_offsets": [28, 28]],
        ], data: bytes)
        let file = try SafeTensorsFile(data: data, path: "mixed.safetensors")
        XCTAssertEqual(try file.floats("h"), [1, -2.5, Float(sign: .plus, exponent: -24, significand: 1), .infinity])
        XCTAssertEqual(try file.floats("b"), [1, -0.15625])
        XCTAssertEqual(try file.floats("d"), [Float(0.1), -3])
        XCTAssertThrowsError(try file.floats("ids")) { error in
            XCTAssertEqual(error as? CheckpointError,
                           .unsupportedDType(path: "mixed.safetensors", tensor: "ids", dtype: "I64"))
        }
    }

    func testDamagedFilesGiveOneLineErrors() throws {
        var notObject = try image(["x": 1], data: [])
        notObject[8] = UInt8(ascii: "[")
        var notJSON = try image(["x": 1], data: [])
        notJSON[9] = UInt8(ascii: "?")
        let good = try image(["w": ["dtype": "F32", "shape": [2, 2], "data_offsets": [0, 16]]], data: [UInt8](repeating: 0, count: 16))
        let cases: [(String, Data, String)] = [
            ("empty", Data(), "file is truncated: header needs 8 bytes but the file has 0"),
            ("short header", good.prefix(20), "header needs"),
            ("truncated data", good.prefix(good.count - 4), "tensor 'w' needs 16 bytes but the file has 12"),
            ("not an object", notObject, "header does not start with '{'"),
            ("not json", notJSON, "header is not valid JSON"),
            ("bad dtype", try image(["w": ["dtype": "Q4", "shape": [1], "data_offsets": [0, 1]]], data: [0]),
             "unknown dtype 'Q4'"),
            ("size mismatch", try image(["w": ["dtype": "F32", "shape": [3], "data_offsets": [0, 8]]], data: [UInt8](repeating: 0, count: 8)),
             "spans 8 bytes but F32 [3] needs 12"),
        ]
        for (label, data, fragment) in cases {
            XCTAssertThrowsError(try SafeTensorsFile(data: data, path: "m.safetensors"), label) { error in
                let message = String(describing: error)
                XCTAssertTrue(message.contains(fragment), "\(label): \(message)")
                XCTAssertTrue(message.hasPrefix("m.safetensors: "), "\(label): \(message)")
                XCTAssertFalse(message.contains("\n"), "\(label): one line")
            }
        }
    }

    func testMissingTensorAndShapeMismatchNameTheTensor() throws {
        let file = try SafeTensorsFile(data: try image(["w": ["dtype": "F32", "shape": [2, 2], "data_offsets": [0, 16]]],
                                                       data: [UInt8](repeating: 0, count: 16)), path: "m.safetensors")
        XCTAssertThrowsError(try file.floats("v")) {
            XCTAssertEqual(String(describing: $0), "m.safetensors: tensor 'v' is missing")
        }
        XCTAssertThrowsError(try file.floats("w", shape: [4])) {
            XCTAssertEqual(String(describing: $0), "m.safetensors: 'w' is [2, 2], expected [4]")
        }
    }
}

/// Hostile headers and vocabularies give errors, never traps.
final class HostileCheckpointTests: XCTestCase {
    func testOverflowingShapeIsABadHeader() throws {
        let header = #"{"w":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,0]}}"#
        var data = Data()
        var length = UInt64(header.utf8.count).littleEndian
        data.append(Data(bytes: &length, count: 8))
        data.append(Data(header.utf8))
        XCTAssertThrowsError(try SafeTensorsFile(data: data, path: "hostile.safetensors")) { error in
            XCTAssertTrue("\(error)".contains("no valid 'shape'"), "\(error)")
        }
    }

    func testVocabularyIdBeyondItsSizeIsRejected() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("vocab-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: url) }
        try #"{"a": 0, "b": 4294967296}"#.write(to: url, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try CLIPVocabulary.readVocabulary(from: url)) { error in
            XCTAssertTrue("\(error)".contains("expected ids below 2"), "\(error)")
        }
    }
}

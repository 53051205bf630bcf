import Foundation
import XCTest
@testable import PEFTCLIP

/// Token ids against transformers' CLIPTokenizer on hard strings (fixture made by
/// scripts/clip/make_tokenizer_fixtures.py).
final class CLIPTokenizerTests: XCTestCase {
    static let shared = Result { try CLIPTokenizer.bundled() }

    func tokenizer() throws -> CLIPTokenizer { try Self.shared.get() }

    func testBundledVocabularyHasCLIPShape() throws {
        let merges = try CLIPVocabulary.bundledMerges()
        XCTAssertEqual(merges.count, 48_894)
        let tokens = CLIPVocabulary.make(merges: merges)
        XCTAssertEqual(tokens.count, 49_408)
        XCTAssertEqual(Set(tokens).count, 49_408)
        XCTAssertEqual(tokens[0], "!")
        XCTAssertEqual(tokens[256], "!</w>")
        XCTAssertEqual(tokens[49_406], "<|startoftext|>")
        XCTAssertEqual(tokens[49_407], "<|endoftext|>")
    }

    func testHardStringsMatchTransformers() throws {
        let tokenizer = try tokenizer()
        let root = try XCTUnwrap(try Fixtures.json("tokenizer_cases.json") as? [String: Any])
        let cases = try XCTUnwrap(root["cases"] as? [[String: Any]])
        XCTAssertGreaterThanOrEqual(cases.count, 40)
        for item in cases {
            let text = try XCTUnwrap(item["text"] as? String)
            XCTAssertEqual(tokenizer.encode(text), item["ids"] as? [Int], "truncated ids of \(text.debugDescription)")
            let full = [tokenizer.bosTokenId] + tokenizer.tokenize(text) + [tokenizer.eosTokenId]
            XCTAssertEqual(full, item["untruncated"] as? [Int], "untruncated ids of \(text.debugDescription)")
        }
    }

    /// Every non-ASCII code point lands in the same pre-tokeniser class (letter, number, white space, other) as in
    /// tokenizers' Oniguruma regex, which knows Unicode 16 (see `CLIPTokenizer.regexUnicodeMajor`).
    func testCharacterClassesMatchTokenizersForEveryCodePoint() throws {
        let root = try XCTUnwrap(try Fixtures.json("tokenizer_cases.json") as? [String: Any])
        let ranges = try XCTUnwrap(root["classes"] as? [[Any]])
        var expected = [UInt8](repeating: UInt8(ascii: "O"), count: 0x110000)
        for range in ranges {
            let first = try XCTUnwrap(range[0] as? Int), last = try XCTUnwrap(range[1] as? Int)
            let cls = try XCTUnwrap((range[2] as? String)?.utf8.first)
            for cp in first ... last { expected[cp] = cls }
        }
        var mismatches: [String] = []
        for cp in 0x80 ..< 0x110000 {
            guard let scalar = Unicode.Scalar(UInt32(cp)) else { continue }
            let found: UInt8 = scalar.properties.isWhitespace ? UInt8(ascii: "S")
                : CLIPTokenizer.isLetter(scalar) ? UInt8(ascii: "L")
                : CLIPTokenizer.isNumber(scalar) ? UInt8(ascii: "N") : UInt8(ascii: "O")
            if found != expected[cp] { mismatches.append(String(cp, radix: 16)) }
        }
        XCTAssertEqual(mismatches.count, 0, "classes differ at U+\(mismatches.prefix(10).joined(separator: ", U+"))")
    }

    func testBatchPadsToLongestWithEndOfText() throws {
        let tokenizer = try tokenizer()
        let root = try XCTUnwrap(try Fixtures.json("tokenizer_cases.json") as? [String: Any])
        let batch = try XCTUnwrap(root["batch"] as? [String: Any])
        let encoded = tokenizer.encode(try XCTUnwrap(batch["texts"] as? [String]))
        XCTAssertEqual(encoded.ids, batch["ids"] as? [[Int]])
        XCTAssertEqual(encoded.attentionMask, batch["attention_mask"] as? [[Int]])
        let fixed = tokenizer.encode(["a b"], padding: .maxLength)
        XCTAssertEqual(fixed.length, 77)
        XCTAssertEqual(fixed.attentionMask[0].reduce(0, +), 4)
    }

    func testTruncationKeepsSpecialTokens() throws {
        let tokenizer = try tokenizer()
        let ids = tokenizer.encode(String(repeating: "word ", count: 200))
        XCTAssertEqual(ids.count, 77)
        XCTAssertEqual(ids.first, 49_406)
        XCTAssertEqual(ids.last, 49_407)
        XCTAssertEqual(tokenizer.encode("a b c d e", maxLength: 4), [49_406, 320, 321, 49_407])
    }

    func testDecodeRoundTripsNormalisedText() throws {
        let tokenizer = try tokenizer()
        XCTAssertEqual(tokenizer.decode(tokenizer.encode("Hello, World! naïve 😀")), "hello , world ! naïve 😀")
    }

    func testConcurrentEncodingIsConsistent() throws {
        let tokenizer = try tokenizer()
        let texts = (0 ..< 64).map { "caption number \($0) with emoji 😀 and #tag\($0 % 7)" }
        let expected = texts.map { tokenizer.encode($0) }
        let results = UnsafeSendableBox([[Int]](repeating: [], count: texts.count))
        DispatchQueue.concurrentPerform(iterations: texts.count) { i in
            let ids = tokenizer.encode(texts[i])
            results.lock.lock()
            results.value[i] = ids
            results.lock.unlock()
        }
        XCTAssertEqual(results.value, expected)
    }

    /// Extended check over thousands of random strings when `PEFTCLIP_TOKENIZER_EXTRA` names a file written by
    /// `make_tokenizer_fixtures.py --random N FILE` (not committed; skipped otherwise).
    func testRandomStringsWhenProvided() throws {
        guard let path = ProcessInfo.processInfo.environment["PEFTCLIP_TOKENIZER_EXTRA"] else {
            throw XCTSkip("set PEFTCLIP_TOKENIZER_EXTRA to a random-case file to run")
        }
        let tokenizer = try tokenizer()
        let rows = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path)))
            as? [[String: Any]])
        var failures = 0
        for row in rows {
            let text = try XCTUnwrap(row["text"] as? String)
            let full = [tokenizer.bosTokenId] + tokenizer.tokenize(text) + [tokenizer.eosTokenId]
            if full != row["untruncated"] as? [Int] {
                failures += 1
                if failures <= 5 { XCTFail("ids differ for \(text.debugDescription): \(full) vs \(row["untruncated"] ?? "")") }
            }
        }
        XCTAssertEqual(failures, 0, "\(failures) of \(rows.count) random strings differ")
    }
}

/// A lock-protected box for collecting results from `concurrentPerform` in tests.
final class UnsafeSendableBox<T>: @unchecked Sendable {
    var value: T
    let lock = NSLock()
    init(_ value: T) { self.value = value }
}

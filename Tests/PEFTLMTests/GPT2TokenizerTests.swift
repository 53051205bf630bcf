import Foundation
import PEFTLM
import XCTest

/// The GPT-2 tokenizer against transformers' `GPT2TokenizerFast` on the tiny model's vocabulary.
final class GPT2TokenizerTests: XCTestCase {
    func testIdsAndDecodingEqualTransformers() throws {
        let tokenizer = try GPT2Tokenizer(directory: Fixtures.tinyGPT2)
        let cases = try Fixtures.goldens()["tokenizer"] as! [[String: Any]]
        XCTAssertGreaterThan(cases.count, 15)
        for item in cases {
            let text = item["text"] as! String
            let ids = (item["ids"] as! [NSNumber]).map(\.intValue)
            XCTAssertEqual(tokenizer.encode(text), ids, "ids of \(text.debugDescription)")
            XCTAssertEqual(tokenizer.decode(ids), item["decoded"] as! String, "decoding of \(text.debugDescription)")
        }
    }

    func testNoEndOfWordSuffixAndSpecialLiteral() throws {
        let tokenizer = try GPT2Tokenizer(directory: Fixtures.tinyGPT2)
        XCTAssertEqual(tokenizer.encode("a<|endoftext|>b")[1], tokenizer.eosTokenId)
        XCTAssertFalse(tokenizer.encode("<|ENDOFTEXT|>").contains(tokenizer.eosTokenId))
        XCTAssertEqual(tokenizer.decode(tokenizer.encode("Hi <|endoftext|>"), skipSpecialTokens: true), "Hi ")
        XCTAssertNotEqual(tokenizer.encode("Hello"), tokenizer.encode("hello"), "GPT-2 does not lower-case")
    }

    func testMissingEndOfTextIsATypedError() throws {
        XCTAssertThrowsError(try GPT2Tokenizer(vocabulary: ["a": 0], merges: [])) { error in
            XCTAssertTrue("\(error)".contains("<|endoftext|>"), "\(error)")
        }
    }
}

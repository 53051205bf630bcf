import Foundation
@testable import PEFTData
import PEFTStore
import XCTest

/// PhotoChat's own JSON files at ingest: one image-retrieval example per dialogue, its context the turns before the
/// share; a malformed dialogue is quarantined with its file, dialogue number and field, and the rest are stored.
final class PhotoChatIngestTests: XCTestCase {
    private let file = """
        [
          {"dialogue": [{"message": "Hi, how was the trip?", "share_photo": false, "user_id": 0},
                        {"message": "Great! Look at my dad", "share_photo": false, "user_id": 1},
                        {"message": "", "share_photo": true, "user_id": 1},
                        {"message": "He looks happy", "share_photo": false, "user_id": 0}],
           "dialogue_id": 500, "photo_id": "test/6a1b", "photo_description": "The photo has your dad Noe. Objects in the photo: Man",
           "photo_url": "https://example.org/a.jpg"},
          {"dialogue": [{"message": 7, "share_photo": false, "user_id": 0},
                        {"message": "", "share_photo": true, "user_id": 1}],
           "dialogue_id": 501, "photo_id": "test/7c2d", "photo_description": "x"},
          {"dialogue": [{"message": "Guess what I baked", "share_photo": false, "user_id": 0},
                        {"message": "", "share_photo": true, "user_id": 0}],
           "dialogue_id": 502, "photo_id": "test/8e3f", "photo_description": "Objects in the photo: Cake"},
          {"dialogue": [{"message": "no photo here", "share_photo": false, "user_id": 0}],
           "dialogue_id": 503, "photo_id": "test/6a1b", "photo_description": "y"}
        ]
        """

    func testDialoguesBecomeContextsAndBadDialoguesAreQuarantinedWithTheirField() throws {
        let sandbox = try IngestSandbox()
        try sandbox.jpeg("images/test/6a1b.jpg", seed: 1)
        try sandbox.jpeg("images/test/7c2d.jpg", seed: 2)
        try sandbox.jpeg("images/test/8e3f.jpg", seed: 3)
        let manifest = try sandbox.write("test_00.json", text: file)
        let summary = try sandbox.ingestor().ingest(
            dataset: "photochat", manifest: manifest,
            options: IngestOptions(mapping: .defaults(for: .photochat), format: .photochat, imageRoot: sandbox.url("images")))
        XCTAssertEqual([summary.rows, summary.stored, summary.quarantined], [4, 2, 2])

        let quarantined = try sandbox.quarantine()
        XCTAssertEqual(quarantined.map(\.line), [2, 4], "dialogues are numbered from 1 in the file")
        XCTAssertTrue(quarantined[0].reason.contains("field 'dialogue[0].message' must be text (found 7)"), quarantined[0].reason)
        XCTAssertTrue(quarantined[1].reason.contains("no turn with share_photo: true"), quarantined[1].reason)
        XCTAssertEqual(quarantined.map(\.field), ["dialogue[0].message", "dialogue"])
        let file = try sandbox.rows("SELECT DISTINCT file FROM quarantine").map { try $0["file"] as String }
        XCTAssertEqual(file.map { URL(fileURLWithPath: $0).lastPathComponent }, ["test_00.json"])

        let rows = try sandbox.rows("SELECT source_key, split, text, extra_json FROM examples ORDER BY source_key")
        XCTAssertEqual(try rows.map { try $0["source_key"] as String }, ["500", "502"])
        XCTAssertEqual(try rows[0]["text"] as String, "A: Hi, how was the trip?\nB: Great! Look at my dad",
                       "the turns before the share, one line each; the turn after it is not context")
        XCTAssertEqual(try rows.map { try $0["split"] as String }, ["test", "test"], "split from the file name")
        let extra = try JSONValue.parse(Data((try rows[0]["extra_json"] as String).utf8))
        guard case .object(let fields) = extra else { return XCTFail("extra_json: \(extra)") }
        XCTAssertEqual(fields["retrieval"], .string("image"))
        XCTAssertEqual(fields["photo_description"], .string("The photo has your dad Noe. Objects in the photo: Man"))
        XCTAssertNil(fields["dialogue"])
    }

    func testSplitFollowsPhotoChatFileNames() {
        XCTAssertEqual(PhotoChatManifest.split(path: "/d/train/train_07.json"), "train")
        XCTAssertEqual(PhotoChatManifest.split(path: "dev/dev_01.json"), "val")
        XCTAssertEqual(PhotoChatManifest.split(path: "test/test_00.json"), "test")
    }
}

import Foundation
import PEFTCLIP
import PEFTData
import PEFTStore
import PEFTTestSupport
import XCTest

/// The training core through the CLI: a LoRA grid queued with parameter counts, worked, exported in PEFT's format
/// and applied by `embed --adapter`, which then differs from the bare backbone; a full fine-tuning run
/// exports a whole backbone.
final class TrainingCommandTests: XCTestCase {
    func testLoRARunQueuesWithCountsTrainsExportsAndEmbedsWithTheAdapter() throws {
        let dir = TemporaryDirectory()
        let db = TestDatabase.locator(dir.path("t.db"))
        let store = try Store(path: db)
        let made = try BuiltinDatasets.make("sarcasm", into: URL(fileURLWithPath: dir.path("data")), seed: 2, examples: 30)
        var options = IngestOptions()
        options.mapping = made.mapping
        _ = try Ingestor(store: store, tokenizer: try CLIPTokenizer.bundled()).ingest(dataset: "sarcasm", manifest: made.manifest,
                                                                                   options: options)
        try CLIPBackboneFactory.makeRandom(config: .tiny(width: 32, layers: 2, heads: 4, imageSize: 32, patchSize: 8, projectionDim: 16),
                                           seed: 0).save(to: URL(fileURLWithPath: dir.path("backbone")))
        try """
            name: lora-cli
            dataset: sarcasm
            backbone: \(dir.path("backbone"))
            task: classification
            method: {name: lora, r: 2, layers: upper}
            train: {epochs: 2, batch_size: 8, lr: 0.05}
            """.write(toFile: dir.path("lora.yaml"), atomically: true, encoding: .utf8)

        let dry = try CLIRunner.run(["queue", "--db", db, "--dry-run", "--json", dir.path("lora.yaml")])
        XCTAssertEqual(dry.status, 0, dry.stderr)
        let plan = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(dry.stdout.utf8)) as? [String: Any])
        // r = 2 on q and v of the upper layer (of 2), both 32-wide towers: 2 towers × 2 linears × 2·(32 + 32).
        XCTAssertEqual(plan["method_params"] as? Int, 512)
        XCTAssertEqual(plan["head_params"] as? Int, (2 * 16 + 1) * 2)

        XCTAssertEqual(try CLIRunner.run(["queue", "--db", db, dir.path("lora.yaml")]).status, 0)
        let work = try CLIRunner.run(["work", "--db", db, "--threads", "1"])
        XCTAssertTrue(work.stdout.contains("1 succeeded, 0 failed"), work.stdout + work.stderr)
        let counts = try CLIRunner.run(["sql", "--db", db, "--csv", "SELECT method_params, head_params, trainable_params, CASE WHEN total_params > 0 THEN 1 ELSE 0 END FROM runs"])
        XCTAssertEqual(counts.stdout.split(separator: "\n").last, "512,66,578,1", counts.stdout)

        let export = try CLIRunner.run(["export", "--db", db, "1", "--out", dir.path("adapter")])
        XCTAssertEqual(export.status, 0, export.stderr)
        for file in ["adapter_config.json", "adapter_model.safetensors"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: dir.path("adapter/\(file)")), file)
        }
        let plain = try CLIRunner.run(["embed", "--backbone", dir.path("backbone"), "--text", "a sunny beach"])
        let adapted = try CLIRunner.run(["embed", "--backbone", dir.path("backbone"), "--adapter", dir.path("adapter"), "--text", "a sunny beach"])
        XCTAssertEqual(adapted.status, 0, adapted.stderr)
        XCTAssertNotEqual(plain.stdout, adapted.stdout, "the trained adapter changes the text embedding")

        // Full fine-tuning exports the whole trained backbone, which loads and embeds differently from the base.
        try """
            name: full-cli
            dataset: sarcasm
            backbone: \(dir.path("backbone"))
            task: classification
            method: {name: full}
            train: {epochs: 1, batch_size: 8, lr: 0.01}
            """.write(toFile: dir.path("full.yaml"), atomically: true, encoding: .utf8)
        XCTAssertEqual(try CLIRunner.run(["queue", "--db", db, dir.path("full.yaml")]).status, 0)
        XCTAssertTrue(try CLIRunner.run(["work", "--db", db, "--threads", "1"]).stdout.contains("1 succeeded, 0 failed"))
        let full = try CLIRunner.run(["export", "--db", db, "2", "--out", dir.path("tuned")])
        XCTAssertTrue(full.stdout.contains("whole fine-tuned backbone"), full.stdout + full.stderr)
        let tuned = try CLIRunner.run(["embed", "--backbone", dir.path("tuned"), "--text", "a sunny beach"])
        XCTAssertEqual(tuned.status, 0, tuned.stderr)
        XCTAssertNotEqual(tuned.stdout, plain.stdout, "the exported backbone holds the fine-tuned weights")

        let missing = try CLIRunner.run(["export", "--db", db, "99", "--out", dir.path("nothing")])
        XCTAssertNotEqual(missing.status, 0)
        XCTAssertTrue(missing.stderr.contains("no run 99"), missing.stderr)
    }
}

import Foundation
import PEFTCLIP
import PEFTTensor
import PEFTTestSupport
import XCTest

/// `peftlab embed`'s library side, the backbone consistency checks, and the benchmark entry point.
final class CLIPEmbedderTests: XCTestCase {
    static let backbone = Result { try CLIPBackboneFactory.makeRandom(config: .tiny(width: 32, layers: 1, heads: 2), seed: 3) }

    func testTextEmbeddingsIgnoreBatchingAndPadding() throws {
        let backbone = try Self.backbone.get()
        let texts = ["a dog", "a much longer caption about a very small dog on a beach", "", "🙄"]
        let together = CLIPEmbedder(backbone: backbone, batchSize: 8).embed(texts: texts, normalize: false)
        let alone = CLIPEmbedder(backbone: backbone, batchSize: 1).embed(texts: texts, normalize: false)
        XCTAssertEqual(together.map(\.input), texts)
        XCTAssertEqual(together.map(\.tokens), texts.map { backbone.tokenizer.encode($0) })
        for (a, b) in zip(together, alone) {
            assertClose(a.embedding, b.embedding, rtol: 0, atol: 1e-5, "padding must not change \(a.input)")
        }
        let normalized = CLIPEmbedder(backbone: backbone).embed(texts: texts, normalize: true)
        for record in normalized {
            XCTAssertEqual(record.embedding.reduce(0) { $0 + $1 * $1 }, 1, accuracy: 1e-5)
            XCTAssertEqual(record.embedding.count, 32)
        }
    }

    func testImageEmbeddingsAndJSONLines() throws {
        let backbone = try Self.backbone.get()
        let pixels = randomTensor([3, 3, 32, 32], seed: 8, requiresGrad: false)
        let images = (0 ..< 3).map { i in (input: "img\(i).png", pixels: pixels.sliced(axis: 0, range: i ..< i + 1).squeezed(axis: 0)) }
        let records = CLIPEmbedder(backbone: backbone, batchSize: 2).embed(images: images, normalize: false)
        assertClose(records.flatMap(\.embedding), backbone.model.encodeImages(pixels).storage, rtol: 0, atol: 1e-6)
        let line = records[0].jsonLine
        XCTAssertTrue(line.hasPrefix(#"{"kind":"image","input":"img0.png","embedding":["#), line)
        let decoded = try JSONDecoder().decode(CLIPEmbedding.self, from: Data(line.utf8))
        XCTAssertEqual(decoded, records[0])
        let text = CLIPEmbedder(backbone: backbone).embed(texts: ["say \"hi\"\n"], normalize: true)[0]
        XCTAssertTrue(text.jsonLine.hasPrefix(#"{"kind":"text","input":"say \"hi\"\n","tokens":[49406,"#), text.jsonLine)
        XCTAssertEqual(try JSONDecoder().decode(CLIPEmbedding.self, from: Data(text.jsonLine.utf8)), text)
    }

    func testBackboneWhosePartsDisagreeIsRejected() throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let backbone = try Self.backbone.get()
        try backbone.save(to: directory)
        try CLIPPreprocessorConfig(imageSize: 48).write(to: directory.appendingPathComponent("preprocessor_config.json"))
        XCTAssertThrowsError(try CLIPBackbone.load(from: directory)) {
            XCTAssertTrue(String(describing: $0).hasSuffix(
                "preprocessor_config.json: field 'crop_size' must be 32×32, the model's image_size (found 48×48)"), "\($0)")
        }
        var small = CLIPConfig.tiny(width: 16, layers: 1, heads: 2, vocabSize: 1000)
        small.text.eosTokenId = 999
        try CLIPModel.random(config: small, seed: 1).save(to: directory)
        try CLIPPreprocessorConfig(imageSize: 32).write(to: directory.appendingPathComponent("preprocessor_config.json"))
        XCTAssertThrowsError(try CLIPBackbone.load(from: directory)) {
            XCTAssertTrue(String(describing: $0).hasSuffix(
                "config.json: field 'text_config.vocab_size' must be at least 49408, the ids vocab.json uses (found 1000)"), "\($0)")
        }
    }

    func testBenchmarkReportsThroughputFigures() {
        var config = CLIPVisionConfig()
        config.hiddenSize = 32
        config.intermediateSize = 64
        config.numHiddenLayers = 1
        config.numAttentionHeads = 2
        config.imageSize = 32
        config.patchSize = 16
        let result = CLIPBenchmark.visionForward(config: config, batch: 2, repeats: 1)
        XCTAssertEqual(result.suite, "clip")
        XCTAssertEqual(result.metrics.map(\.name), ["images_per_s", "gflop", "engine_gflops", "sgemm_gflops", "ratio"])
        XCTAssertEqual(result.metric("gflop") ?? 0, CLIPBenchmark.forwardFLOPs(config: config, batch: 2) * 1e-9, accuracy: 1e-12)
        XCTAssertGreaterThan(result.metric("images_per_s") ?? 0, 0)
        XCTAssertEqual(CLIPBenchmark.forwardFLOPs(config: CLIPVisionConfig(), batch: 1) * 1e-9, 8.82, accuracy: 0.01)
    }
}

import Foundation
import PEFTTensor

/// One embedded input, as `peftlab embed` prints it: one JSON object per line,
/// `{"kind":"text","input":"a cat","tokens":[49406,…],"embedding":[…]}` (`tokens` only for text).
public struct CLIPEmbedding: Codable, Equatable, Sendable {
    /// `"image"` or `"text"`.
    public var kind: String
    /// The image path or the text as given.
    public var input: String
    /// Token ids fed to the text tower (with start/end tokens, truncated), nil for images.
    public var tokens: [Int]?
    /// The projected embedding (`projection_dim` values), L2-normalised when requested.
    public var embedding: [Float]

    /// Creates a record.
    public init(kind: String, input: String, tokens: [Int]?, embedding: [Float]) {
        self.kind = kind
        self.input = input
        self.tokens = tokens
        self.embedding = embedding
    }

    /// The record as one line of JSON, keys in the order kind, input, tokens, embedding.
    public var jsonLine: String {
        var parts = ["\"kind\":" + CLIPVocabulary.jsonString(kind), "\"input\":" + CLIPVocabulary.jsonString(input)]
        if let tokens { parts.append("\"tokens\":[" + tokens.map(String.init).joined(separator: ",") + "]") }
        parts.append("\"embedding\":[" + embedding.map { $0.isFinite ? "\($0)" : "null" }.joined(separator: ",") + "]")
        return "{" + parts.joined(separator: ",") + "}"
    }
}

/// Computes CLIP embeddings for texts and preprocessed images in batches, without recording a graph.
public struct CLIPEmbedder: Sendable {
    /// The backbone used.
    public let backbone: CLIPBackbone
    /// Inputs per forward pass.
    public var batchSize: Int

    /// An embedder over `backbone`, `batchSize` inputs per forward.
    public init(backbone: CLIPBackbone, batchSize: Int = 32) {
        precondition(batchSize >= 1, "CLIPEmbedder: batchSize must be ≥ 1, got \(batchSize)")
        self.backbone = backbone
        self.batchSize = batchSize
    }

    /// Text embeddings in input order; each chunk is padded to its longest text only (padding does not change a
    /// text's embedding: causal attention plus end-of-text pooling never reads it).
    public func embed(texts: [String], normalize: Bool) -> [CLIPEmbedding] {
        var records: [CLIPEmbedding] = []
        for start in stride(from: 0, to: texts.count, by: batchSize) {
            let chunk = Array(texts[start ..< min(start + batchSize, texts.count)])
            let batch = backbone.tokenizer.encode(chunk)
            let vectors = rows(GradMode.noGrad { backbone.model.encodeTexts(batch) }, normalize: normalize)
            for (i, text) in chunk.enumerated() {
                let tokens = Array(batch.ids[i].prefix(batch.attentionMask[i].reduce(0, +)))
                records.append(CLIPEmbedding(kind: "text", input: text, tokens: tokens, embedding: vectors[i]))
            }
        }
        return records
    }

    /// Image embeddings in input order for preprocessed pixels `[C, H, W]` (one tensor per image, named by
    /// `input`, e.g. its path).
    public func embed(images: [(input: String, pixels: Tensor)], normalize: Bool) -> [CLIPEmbedding] {
        var records: [CLIPEmbedding] = []
        for start in stride(from: 0, to: images.count, by: batchSize) {
            let chunk = Array(images[start ..< min(start + batchSize, images.count)])
            let stacked = Tensor.concatenated(chunk.map { $0.pixels.unsqueezed(axis: 0) }, axis: 0)
            let vectors = rows(GradMode.noGrad { backbone.model.encodeImages(stacked) }, normalize: normalize)
            for (i, image) in chunk.enumerated() {
                records.append(CLIPEmbedding(kind: "image", input: image.input, tokens: nil, embedding: vectors[i]))
            }
        }
        return records
    }

    private func rows(_ embeddings: Tensor, normalize: Bool) -> [[Float]] {
        let width = embeddings.shape[1]
        return (0 ..< embeddings.shape[0]).map { row in
            var vector = Array(embeddings.storage[row * width ..< (row + 1) * width])
            if normalize {
                let norm = vector.reduce(0) { $0 + $1 * $1 }.squareRoot()
                if norm > 0 { vector = vector.map { $0 / norm } }
            }
            return vector
        }
    }
}

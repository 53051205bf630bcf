import Foundation
import PEFTCLIP
import PEFTData
import PEFTMethods
import PEFTTensor

/// One example's dialog retrieval fields, read once from its `extra_json`: `retrieval` (`image`, the default, or
/// `response`), `response` (the candidate text of a response row), `distractors` (hard-negative images, stored as
/// SHA-256s at ingest) and `response_distractors` (hard-negative texts). Its context turns are the lines of its text.
struct DialogRow {
    var type: RetrievalType
    /// Token ids of each non-empty line of the example's text.
    var turns: [[Int]]
    var response: [Int]?
    var distractorImages: [String]
    var distractorResponses: [[Int]]

    /// The extra fields that make a retrieval dataset a dialog one.
    static let fields: Set<String> = ["retrieval", "response", "distractors", "response_distractors"]

    /// The dialog rows of a split's examples, or nil when none carries a dialog field (plain image–text pairs).
    /// - Throws: `PermanentRunError` naming the example and field of a malformed value.
    static func rows(_ examples: [ExampleRecord], split: String, tokenizer: CLIPTokenizer) throws -> [DialogRow]? {
        let extras = try examples.map { try extra($0, split: split) }
        guard extras.contains(where: { !Set($0.keys).isDisjoint(with: fields) }) else { return nil }
        return try zip(examples, extras).map { example, extra in
            func fail(_ field: String, _ expected: String) -> PermanentRunError {
                PermanentRunError("example '\(example.sourceKey)' (\(split)): field '\(field)' must be \(expected)")
            }
            let type: RetrievalType
            switch extra["retrieval"] {
            case nil: type = .image
            case let name as String:
                guard let parsed = RetrievalType(rawValue: name) else { throw fail("retrieval", "image or response (found '\(name)')") }
                type = parsed
            default: throw fail("retrieval", "image or response")
            }
            let response = try extra["response"].map { value -> [Int] in
                guard let text = value as? String, !text.isEmpty else { throw fail("response", "non-empty text") }
                return tokenizer.encode(text)
            }
            if type == .response && response == nil { throw fail("response", "present on a response retrieval example") }
            func strings(_ field: String) throws -> [String] {
                guard let value = extra[field] else { return [] }
                guard let list = value as? [Any], let items = list as? [String], !items.contains(where: \.isEmpty) else {
                    throw fail(field, "a list of non-empty strings")
                }
                return items
            }
            let turns = (example.text ?? "").split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
                .filter { !$0.isEmpty }.map { tokenizer.encode($0) }
            return DialogRow(type: type, turns: turns, response: response, distractorImages: try strings("distractors"),
                             distractorResponses: try strings("response_distractors").map { tokenizer.encode($0) })
        }
    }

    private static func extra(_ example: ExampleRecord, split: String) throws -> [String: Any] {
        guard let json = example.extraJSON else { return [:] }
        guard let object = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any] else {
            throw PermanentRunError("example '\(example.sourceKey)' (\(split)): its extra fields are not a JSON object")
        }
        return object
    }
}

extension RunData {
    /// The dialog side of a batch of `rows` of `split` (nil for plain pairs); distractors outside the train split
    /// (evaluation only: training batches contrast in-batch).
    func dialogInput(_ split: SplitData, rows: [Int]) throws -> DialogInput? {
        guard let dialog = split.dialog, let features else { return nil }
        let tokenizer = features.backbone.tokenizer
        func batch(_ texts: [[Int]]) -> TokenBatch? {
            texts.isEmpty ? nil : TokenBatch(rows: texts, padding: .longest, maxLength: tokenizer.maxLength,
                                             padTokenId: tokenizer.padTokenId)
        }
        let picked = rows.map { dialog[$0] }
        var input = DialogInput(types: picked.map(\.type))
        var turns: [[Int]] = []
        var responses: [[Int]] = []
        for (row, entry) in picked.enumerated() {
            turns += entry.turns
            input.turnRows += [Int](repeating: row, count: entry.turns.count)
            if entry.type == .response, let response = entry.response {
                responses.append(response)
                input.responseRows.append(row)
            }
        }
        input.turns = batch(turns)
        input.responses = batch(responses)
        guard split.name != "train" else { return input }
        let k = picked.map { $0.type == .image ? $0.distractorImages.count : $0.distractorResponses.count }.min() ?? 0
        guard k > 0 else { return input }
        input.distractorsPerRow = k
        var images: [String] = []
        var texts: [[Int]] = []
        for (row, entry) in picked.enumerated() {
            if entry.type == .image {
                images += entry.distractorImages.prefix(k)
                input.distractorImageRows += [Int](repeating: row, count: k)
            } else {
                texts += entry.distractorResponses.prefix(k)
                input.distractorResponseRows += [Int](repeating: row, count: k)
            }
        }
        input.distractorResponses = batch(texts)
        if !images.isEmpty { input.distractorImages = try Self.pixels(imageSHA256s: images, features: features) }
        return input
    }

    /// Preprocessed pixels `[N, C, H, W]` of stored images by SHA-256.
    static func pixels(imageSHA256s: [String], features: CLIPFeatures) throws -> Tensor {
        let reader = DatasetReader(store: features.store)
        var storage: [Float] = []
        var shape: [Int] = []
        for sha in imageSHA256s {
            let values = try reader.pixelValues(imageSHA256: sha, preprocessor: features.preprocessor)
            shape = values.shape
            storage += values.values
        }
        return Tensor(shape: [imageSHA256s.count] + shape, storage: storage)
    }
}

import Foundation
import PEFTCLIP
import PEFTTensor

/// A frozen causal language model directory in the Hugging Face GPT-2 layout (`config.json`, `model.safetensors`,
/// `vocab.json`, `merges.txt`): the model and its tokenizer, as MSE-Adapter and `peftlab generate` use them.
public final class CausalLM: @unchecked Sendable {
    public let directory: URL
    public let model: GPT2Model
    public let tokenizer: GPT2Tokenizer

    /// A greedy continuation: the prompt's ids, the new ids and their text.
    public struct Generation: Sendable, Equatable {
        public var promptIds: [Int]
        public var newIds: [Int]
        public var text: String
    }

    public init(directory: URL, model: GPT2Model, tokenizer: GPT2Tokenizer) {
        self.directory = directory
        self.model = model
        self.tokenizer = tokenizer
    }

    /// Loads the model and tokenizer of `directory`; the weights are frozen.
    ///
    /// - Throws: `CheckpointError` for a missing or malformed file, or a tokenizer whose ids do not fit the
    ///   model's `vocab_size`.
    public static func load(from directory: URL) throws -> CausalLM {
        let model = try GPT2Model.load(from: directory)
        let tokenizer = try GPT2Tokenizer(directory: directory)
        guard tokenizer.tokens.count <= model.config.vocabSize else {
            throw CheckpointError.badConfig(path: directory.appendingPathComponent("config.json").path, field: "vocab_size",
                                            expected: "at least the tokenizer's \(tokenizer.tokens.count) tokens",
                                            found: "\(model.config.vocabSize)")
        }
        return CausalLM(directory: directory, model: model, tokenizer: tokenizer)
    }

    /// Greedy continuation of `prompt` by up to `maxNewTokens` tokens, stopping after `<|endoftext|>`.
    /// Precondition: the prompt is non-empty and prompt + new tokens fit `n_positions` (`check(prompt:)`).
    public func generate(prompt: String, maxNewTokens: Int) -> Generation {
        let ids = tokenizer.encode(prompt)
        let new = model.greedy(prompts: [ids], maxNewTokens: maxNewTokens, stopTokenId: tokenizer.eosTokenId)[0]
        return Generation(promptIds: ids, newIds: new, text: tokenizer.decode(new))
    }

    /// Why `prompt` cannot be continued by `maxNewTokens` tokens, or nil when it can.
    public func problem(prompt: String, maxNewTokens: Int) -> String? {
        let count = tokenizer.encode(prompt).count
        if count == 0 { return "the prompt encodes to no tokens" }
        if count + maxNewTokens > model.config.maxPositions {
            return "the prompt's \(count) tokens plus \(maxNewTokens) new ones exceed the model's n_positions \(model.config.maxPositions)"
        }
        return nil
    }
}

extension CausalLM {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var loaded: [String: CausalLM] = [:]

    /// The model of `directory`, loaded once per process and shared by every run that names it (its weights are
    /// frozen and only read).
    /// - Throws: see `load(from:)`.
    public static func shared(at directory: URL) throws -> CausalLM {
        let key = directory.standardizedFileURL.path
        lock.lock()
        defer { lock.unlock() }
        if let model = loaded[key] { return model }
        let model = try load(from: directory)
        loaded[key] = model
        return model
    }
}

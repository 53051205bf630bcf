import Foundation
import PEFTCLIP
import PEFTTensor

/// Pretrains a small GPT-2-layout causal LM from scratch on a text corpus (next-token cross-entropy, AdamW, cosine
/// schedule), resumably: every `checkpointEvery` steps the output directory is rewritten as a complete model
/// directory (`config.json`, `model.safetensors`, `vocab.json`, `merges.txt`) plus `pretraining_state.json` (step,
/// settings, corpus hash, optimiser state), so a killed run continues from its last checkpoint and ends bit for bit
/// like one never interrupted (batches are a function of (seed, step), the learning rate of the step).
///
/// The tokenizer is GPT-2's byte-level BPE with no merges: 256 byte tokens and `<|endoftext|>` (a valid GPT-2
/// vocabulary; every string encodes).
public struct CausalLMPretraining {
    /// Shape and optimisation of a pretraining run.
    public struct Settings: Codable, Equatable, Sendable {
        public var hiddenSize = 64
        public var layers = 2
        public var heads = 4
        public var positions = 128
        public var steps = 300
        public var batchSize = 16
        public var lr = 3e-3
        public var seed: UInt64 = 0
        public var checkpointEvery = 50

        public init() {}
    }

    /// What `pretraining_state.json` holds.
    struct State: Codable {
        var step: Int
        var settings: Settings
        var corpusHash: String
        var optimizer: OptimizerState
        var losses: [Float]
    }

    public let corpus: [String]
    public let settings: Settings
    public let directory: URL
    public let tokenizer: GPT2Tokenizer
    private let sequences: [[Int]]

    /// A run over `corpus` (one document per element) writing to `directory`.
    /// - Throws: `CheckpointError.badConfig` for an empty corpus.
    public init(corpus: [String], settings: Settings, directory: URL) throws {
        guard !corpus.isEmpty else {
            throw CheckpointError.badConfig(path: directory.path, field: "corpus", expected: "at least one text", found: "none")
        }
        self.corpus = corpus
        self.settings = settings
        self.directory = directory
        let tokenizer = try Self.byteTokenizer()
        let eos = tokenizer.eosTokenId, limit = settings.positions + 1
        self.tokenizer = tokenizer
        sequences = corpus.map { Array(([eos] + tokenizer.encode($0) + [eos]).prefix(limit)) }
    }

    /// GPT-2's byte-level tokenizer with no merges: the 256 byte symbols (ids 0–255, byte order) and `<|endoftext|>`.
    public static func byteTokenizer() throws -> GPT2Tokenizer {
        var vocabulary: [String: Int] = [:]
        for byte in 0 ..< 256 { vocabulary[String(ByteLevel.byteToScalar[byte])] = byte }
        vocabulary[GPT2Tokenizer.endOfText] = 256
        return try GPT2Tokenizer(vocabulary: vocabulary, merges: [])
    }

    var config: GPT2Config {
        GPT2Config(vocabSize: 257, maxPositions: settings.positions, hiddenSize: settings.hiddenSize, layers: settings.layers,
                   heads: settings.heads, eosTokenId: tokenizer.eosTokenId)
    }

    /// FNV-1a over the documents (with a separator): tells a checkpoint of another corpus apart.
    var corpusHash: String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for document in corpus {
            for byte in document.utf8 + [0x1E] { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        }
        return String(hash, radix: 16)
    }

    /// Trains to `settings.steps` (continuing from the directory's checkpoint when it holds one of the same settings
    /// and corpus), reporting (step, loss) after each step; returns the losses of every step so far.
    /// `stoppingAt` ends the call early at that step, with a checkpoint (what an interruption leaves, for tests).
    /// - Throws: `CheckpointError` for a directory that cannot be written or a checkpoint of other settings.
    @discardableResult
    public func run(stoppingAt stop: Int? = nil, progress: (Int, Float) -> Void = { _, _ in }) throws -> [Float] {
        let stateURL = directory.appendingPathComponent("pretraining_state.json")
        var model: GPT2Model
        let optimizer = AdamW(weightDecay: 0.01)
        var losses: [Float] = []
        var step = 0
        if let data = try? Data(contentsOf: stateURL) {
            let state = try decode(data, path: stateURL.path)
            guard state.settings == settings, state.corpusHash == corpusHash else {
                throw CheckpointError.badConfig(path: stateURL.path, field: "settings",
                                                expected: "the settings and corpus of this run", found: "another run's checkpoint")
            }
            model = try GPT2Model.load(from: directory)
            model.unfreezeAll()
            optimizer.state = state.optimizer
            losses = state.losses
            step = state.step
        } else {
            var rng = RNG(seed: settings.seed, stream: 1)
            model = GPT2Model(config: config, rng: &rng)
        }
        let schedule = LRSchedule(warmupSteps: settings.steps / 10, totalSteps: settings.steps, kind: .cosine,
                                  baseLR: Float(settings.lr), minLR: Float(settings.lr) / 10)
        let parameters = model.namedParameters()
        while step < Swift.min(settings.steps, stop ?? .max) {
            let loss = self.loss(model, batch: batch(step))
            for (_, p) in parameters { p.zeroGrad() }
            loss.backward()
            clipGradNorm(parameters, maxNorm: 1)
            optimizer.step(parameters, lr: schedule.lr(at: step))
            step += 1
            losses.append(loss.scalar)
            progress(step, loss.scalar)
            if step % settings.checkpointEvery == 0 || step == settings.steps || step == stop {
                try save(model, state: State(step: step, settings: settings, corpusHash: corpusHash,
                                             optimizer: optimizer.state, losses: losses), to: stateURL)
            }
        }
        return losses
    }

    /// The documents of step `step`: `batchSize` draws from the corpus, a function of (seed, step).
    func batch(_ step: Int) -> [[Int]] {
        var rng = RNG(seed: settings.seed, stream: 1_000 &+ UInt64(step))
        return (0 ..< settings.batchSize).map { _ in sequences[rng.nextInt(below: sequences.count)] }
    }

    /// Mean next-token cross-entropy over the real positions of `rows` (right-padded).
    func loss(_ model: GPT2Model, batch rows: [[Int]]) -> Tensor {
        let t = Swift.max(2, rows.map(\.count).max() ?? 2) - 1
        let inputs = rows.map { Array($0.dropLast()) + Array(repeating: tokenizer.eosTokenId, count: t - ($0.count - 1)) }
        let mask = rows.map { Array(repeating: 1, count: $0.count - 1) + Array(repeating: 0, count: t - ($0.count - 1)) }
        let hidden = model(model.embed(inputs), attentionMask: mask)
        var indices: [Int] = [], targets: [Int] = []
        for (r, row) in rows.enumerated() {
            for j in 0 ..< row.count - 1 {
                indices.append(r * t + j)
                targets.append(row[j + 1])
            }
        }
        let picked = hidden.reshaped([rows.count * t, config.hiddenSize]).indexSelect(axis: 0, indices: indices)
        return model.logits(picked).crossEntropy(targets: targets)
    }

    private func decode(_ data: Data, path: String) throws -> State {
        do {
            return try JSONDecoder().decode(State.self, from: data)
        } catch {
            throw CheckpointError.badConfig(path: path, field: "(root)", expected: "a PEFTLab pretraining state",
                                            found: "\(data.count) bytes that do not decode as one")
        }
    }

    /// Writes the model directory, then the state (so a state file always describes weights on disk).
    private func save(_ model: GPT2Model, state: State, to url: URL) throws {
        try model.save(to: directory)
        try CLIPVocabulary.writeMerges([], to: directory.appendingPathComponent("merges.txt"))
        var tokens = [String](repeating: "", count: 257)
        for (token, id) in tokenizer.vocabulary { tokens[id] = token }
        try CLIPVocabulary.writeVocabulary(tokens, to: directory.appendingPathComponent("vocab.json"))
        do {
            try JSONEncoder().encode(state).write(to: url, options: .atomic)
        } catch {
            throw CheckpointError.io(path: url.path, reason: "cannot write the pretraining state (\(error.localizedDescription))")
        }
    }
}

import Foundation
import PEFTCLIP
import PEFTLM
import PEFTTensor

/// MSE-Adapter (Yang et al., AAAI 2025; official code AZYoung233/MSE-Adapter): non-text modalities fused under
/// the text's guidance into P pseudo tokens for a frozen causal LM, which then writes the label (`output:
/// generate`) or feeds a small head (`output: head`).
///
/// Per example: text guide k from the LM's frozen token embeddings of the utterance (mean-pooled, linear); audio
/// frames → 1-layer LSTM → last state → linear (or pooled frames, `lstm: false`); the face image's frozen CLIP
/// embedding → linear; TGM Σ (m ⊙ k) (`tgm: false`: concatenation); MSF (`msf: false`: one scale); → P pseudo
/// tokens. LM input: `prefix` tokens, the P pseudo tokens, the utterance's tokens, the `prompt` tokens. The CLIP
/// towers stay frozen (the image embedding is read from the feature cache).
public final class MSEAdapter: ExampleReadingMethod {
    public static let descriptor = MethodDescriptor(
        name: "mse-adapter",
        summary: "Text-Guide-Mixer + multi-scale fusion → P pseudo tokens for a frozen causal LM that writes the label.",
        trains: "TGM and modality projections, audio LSTM, MSF MLPs, the projection to the LM and the pseudo-token map",
        tasks: [.classification, .regression],
        parameters: [
            ParameterSpec("lm", .string, default: .string("peftlab-quickstart/lm"),
                          help: "Directory of the frozen causal LM in the Hugging Face GPT-2 layout (config.json, "
                              + "model.safetensors, vocab.json, merges.txt); `peftlab lm pretrain --out DIR` makes one."),
            ParameterSpec("output", .choice(["generate", "head"]), default: .string("generate"),
                          help: "generate: the LM writes the label text (cross-entropy on the label tokens, greedy "
                              + "decoding at evaluation); head: a task head on the LM's last hidden state."),
            ParameterSpec("tgm", .bool, default: .bool(true),
                          help: "Text-Guide-Mixer (Hadamard products with the text guide); false: plain concatenation."),
            ParameterSpec("msf", .bool, default: .bool(true),
                          help: "Multi-scale fusion (three MLP widths, learned weighted sum); false: one scale."),
            ParameterSpec("lstm", .bool, default: .bool(true),
                          help: "Summarise the audio frames with a 1-layer LSTM; false: mean-pooled frames."),
            ParameterSpec("pseudo_tokens", .int(min: 1, max: 64), default: .int(4), help: "Pseudo tokens P fed to the LM."),
            ParameterSpec("width", .int(min: 1, max: 65_536), default: .int(256),
                          help: "Width of the text guide and the modality projections (256 in the paper's code)."),
            ParameterSpec("audio_hidden", .int(min: 1, max: 4_096), default: .int(32), help: "Hidden size of the audio LSTM."),
            ParameterSpec("audio", .string, default: .string("audio"), help: "The example feature holding the audio frames."),
            ParameterSpec("prefix", .string, default: .string("<Multimodal>"),
                          help: "Text before the pseudo tokens."),
            ParameterSpec("prompt", .string, default: .string(" </Multimodal> The sentiment is"),
                          help: "Task prompt after the utterance; the label follows it."),
        ],
        check: { settings, _ in
            settings.string("lm").isEmpty ? [("lm", "must name a causal LM directory (GPT-2 layout)")] : []
        },
        parameterCount: { settings, config in
            let lm = try? GPT2Config.load(from: URL(fileURLWithPath: settings.string("lm")).appendingPathComponent("config.json"))
            return parameterCount(settings, lmWidth: lm?.hiddenSize ?? 0, imageWidth: config.projectionDim, audioWidth: 16)
        },
        make: { try MSEAdapter($0) })

    public let lm: CausalLM
    public let output: String
    public let guided: Bool
    public let multiScale: Bool
    public let usesLSTM: Bool
    public let pseudoTokens: Int
    public let width: Int
    public let audioHidden: Int
    public let audioFeature: String
    let prefixIds: [Int]
    let promptIds: [Int]
    private(set) var mixer: TextGuideMixer?
    private(set) var fusion: MultiScaleFusion?
    private(set) var lstm: LSTM?

    /// - Throws: `MSEAdapterError` without an `lm`; `CheckpointError` for an LM directory that does not load.
    public init(_ settings: Settings) throws {
        let path = settings.string("lm")
        guard !path.isEmpty else { throw MSEAdapterError("method 'mse-adapter' needs `lm:` (a GPT-2-layout model directory)") }
        lm = try CausalLM.shared(at: URL(fileURLWithPath: path))
        output = settings.string("output")
        guided = settings.bool("tgm")
        multiScale = settings.bool("msf")
        usesLSTM = settings.bool("lstm")
        pseudoTokens = settings.int("pseudo_tokens")
        width = settings.int("width")
        audioHidden = settings.int("audio_hidden")
        audioFeature = settings.string("audio")
        prefixIds = lm.tokenizer.encode(settings.string("prefix"))
        promptIds = lm.tokenizer.encode(settings.string("prompt"))
    }

    /// MSF hidden widths for an LM of width d: d/8, d/32, d/16 as in the official code (at least 4 each), or d/16
    /// alone for one scale.
    public static func scaleWidths(lmWidth d: Int, multiScale: Bool) -> [Int] {
        (multiScale ? [8, 32, 16] : [16]).map { Swift.max(4, d / $0) }
    }

    /// Trainable parameters for an LM of width `lmWidth`, images of `imageWidth` and audio frames of `audioWidth`.
    public static func parameterCount(_ settings: Settings, lmWidth d: Int, imageWidth: Int, audioWidth: Int) -> Int {
        let w = settings.int("width"), h = settings.int("audio_hidden"), p = settings.int("pseudo_tokens")
        let guided = settings.bool("tgm"), multi = settings.bool("msf")
        func linear(_ i: Int, _ o: Int) -> Int { i * o + o }
        let audio = settings.bool("lstm") ? 4 * h * (audioWidth + h) + 8 * h + linear(h, w) : linear(audioWidth, w)
        let mixer = linear(d, w) + audio + linear(imageWidth, w)
        let input = TextGuideMixer.outputWidth(width: w, guided: guided)
        let scales = scaleWidths(lmWidth: d, multiScale: multi)
        let msf = scales.reduce(0) { $0 + linear(input, $1) + linear($1, w) } + (scales.count > 1 ? scales.count + 1 : 0)
        return mixer + msf + linear(w, d) + 2 * p
    }

    // MARK: ExampleReadingMethod

    public var sequenceFeatures: [String] { [audioFeature] }
    public var featureWidth: Int? { output == "head" ? lm.model.config.hiddenSize : nil }
    public var frozenParameterCount: Int { lm.model.config.parameterCount }

    public func makeHead(task: TaskKind, classes: Int) -> (any TaskHead)? {
        output == "generate" ? LabelGenerationHead(kind: task, classes: classes, lm: lm) : nil
    }

    // MARK: PEFTMethod

    public func apply(to model: CLIPModel, context: inout MethodContext) throws -> [(String, Tensor)] {
        guard let audioWidth = context.featureWidths[audioFeature] else {
            throw MSEAdapterError("method 'mse-adapter' reads the example feature '\(audioFeature)', which the dataset lacks")
        }
        let d = lm.model.config.hiddenSize
        var parameters: [(String, Tensor)] = []
        if usesLSTM {
            let lstm = LSTM(inputSize: audioWidth, hiddenSize: audioHidden, rng: &context.rng)
            self.lstm = lstm
            parameters += prefixed("mse.audio_lstm", lstm.namedParameters())
        }
        let mixer = TextGuideMixer(textWidth: d, audioWidth: usesLSTM ? audioHidden : audioWidth,
                                   imageWidth: model.config.projectionDim, width: width, guided: guided, rng: &context.rng)
        let fusion = MultiScaleFusion(inputWidth: TextGuideMixer.outputWidth(width: width, guided: guided), width: width,
                                      hidden: Self.scaleWidths(lmWidth: d, multiScale: multiScale), lmWidth: d,
                                      pseudoTokens: pseudoTokens, rng: &context.rng)
        self.mixer = mixer
        self.fusion = fusion
        return parameters + prefixed("mse.tgm", mixer.namedParameters()) + prefixed("mse.msf", fusion.namedParameters())
    }

    public func reach(_ tower: TowerKind, in model: CLIPModel) -> TowerReach { .frozen }

    public func encode(_ input: EncoderInput, model: CLIPModel) -> TowerFeatures {
        guard let examples = input.examples, let vision = input.vision, let audio = examples.sequences[audioFeature] else {
            preconditionFailure("MSEAdapter.encode: the batch lacks the image, the texts or the '\(audioFeature)' frames")
        }
        let sequence = lmInput(texts: examples.texts, audio: audio, image: StandardEncoding.vision(vision, model: model))
        guard output == "head" else { return TowerFeatures(sequence: sequence) }
        let hidden = lm.model(sequence.embeddings, attentionMask: sequence.mask, positions: GPT2Model.positions(for: sequence.mask))
        let t = hidden.shape[1]
        return TowerFeatures(extra: hidden.sliced(axis: 1, range: (t - 1) ..< t).reshaped([hidden.shape[0], hidden.shape[2]]))
    }

    /// Longest utterance (in LM tokens) that leaves room for the prefix, the pseudo tokens, the prompt and a label.
    var utteranceLimit: Int { Swift.max(0, lm.model.config.maxPositions - prefixIds.count - pseudoTokens - promptIds.count - 8) }

    /// The pseudo tokens `[B, P, D]` of a batch: texts (utterances), audio frames `[B, T, F]`, image embeddings `[B, F_v]`.
    public func pseudoTokenBatch(utterances: [[Int]], audio: Tensor, image: Tensor) -> Tensor {
        guard let mixer, let fusion else { preconditionFailure("MSEAdapter: apply(to:) has not run") }
        let longest = Swift.max(1, utterances.map(\.count).max() ?? 0)
        let padded = utterances.map { $0 + Array(repeating: lm.tokenizer.eosTokenId, count: longest - $0.count) }
        let mask = utterances.map { Array(repeating: 1, count: $0.count) + Array(repeating: 0, count: longest - $0.count) }
        let text = TextGuideMixer.meanPool(lm.model.embed(padded), mask: mask)
        let summary = lstm.map { $0(audio).last } ?? audio.mean(axes: [1])
        return fusion(mixer(text: text, audio: summary, image: image))
    }

    /// The LM input of a batch, left-padded: prefix, pseudo tokens, utterance, prompt.
    public func lmInput(texts: [String], audio: Tensor, image: Tensor) -> EmbeddedSequence {
        let utterances = texts.map { Array(lm.tokenizer.encode(" " + $0).prefix(utteranceLimit)) }
        let pseudo = pseudoTokenBatch(utterances: utterances, audio: audio, image: image)
        let lengths = utterances.map { prefixIds.count + pseudoTokens + $0.count + promptIds.count }
        let longest = lengths.max() ?? 0
        let d = lm.model.config.hiddenSize
        var rows: [Tensor] = []
        for (row, utterance) in utterances.enumerated() {
            var parts: [Tensor] = []
            if longest > lengths[row] { parts.append(Tensor.zeros([longest - lengths[row], d])) }
            if !prefixIds.isEmpty { parts.append(lm.model.tokenEmbedding.gathered(rows: prefixIds)) }
            parts.append(pseudo.sliced(axis: 0, range: row ..< row + 1).reshaped([pseudoTokens, d]))
            if !utterance.isEmpty { parts.append(lm.model.tokenEmbedding.gathered(rows: utterance)) }
            if !promptIds.isEmpty { parts.append(lm.model.tokenEmbedding.gathered(rows: promptIds)) }
            rows.append(Tensor.concatenated(parts, axis: 0).unsqueezed(axis: 0))
        }
        let mask = lengths.map { Array(repeating: 0, count: longest - $0) + Array(repeating: 1, count: $0) }
        return EmbeddedSequence(embeddings: Tensor.concatenated(rows, axis: 0), mask: mask)
    }
}

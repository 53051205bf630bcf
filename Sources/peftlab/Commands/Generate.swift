import ArgumentParser
import Foundation
import PEFTLM

/// `peftlab generate`: greedy continuation of a prompt by a causal LM in the Hugging Face GPT-2 layout.
struct Generate: ParsableCommand {
    /// A prompt the model cannot continue.
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    static let configuration = CommandConfiguration(
        abstract: "Print a prompt's token ids and its greedy continuation by a GPT-2-layout language model.",
        discussion: """
            The model directory holds config.json, model.safetensors, vocab.json and merges.txt (e.g. distilgpt2 \
            saved by transformers). Decoding is greedy and stops after <|endoftext|>, so the ids equal \
            transformers' model.generate(ids, do_sample=False, max_new_tokens=N).

            Example:
              peftlab generate --lm ~/models/distilgpt2 --prompt "The sentiment is" --max-new-tokens 4 --json
            """)

    @Option(help: ArgumentHelp("The language model directory.", valueName: "dir"))
    var lm: String

    @Option(help: ArgumentHelp("The text to continue.", valueName: "text"))
    var prompt: String

    @Option(help: ArgumentHelp("Most tokens to generate.", valueName: "n"))
    var maxNewTokens = 16

    @Flag(help: "Print one JSON object {prompt_ids, new_ids, text} instead of three lines.")
    var json = false

    func validate() throws {
        guard maxNewTokens >= 1 else { throw ValidationError("--max-new-tokens must be at least 1 (got \(maxNewTokens)).") }
    }

    func run() throws {
        try requireBLAS()
        let model = try CausalLM.load(from: URL(fileURLWithPath: lm))
        if let problem = model.problem(prompt: prompt, maxNewTokens: maxNewTokens) {
            throw Failure(description: "\(lm): cannot continue this prompt: \(problem)")
        }
        let generation = model.generate(prompt: prompt, maxNewTokens: maxNewTokens)
        if json {
            let object: [String: Any] = ["prompt_ids": generation.promptIds, "new_ids": generation.newIds, "text": generation.text]
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
            printOut(String(decoding: data, as: UTF8.self) + "\n")
        } else {
            printOut("prompt ids: \(generation.promptIds.map(String.init).joined(separator: " "))\n"
                     + "new ids: \(generation.newIds.map(String.init).joined(separator: " "))\n"
                     + "text: \(generation.text)\n")
        }
    }
}

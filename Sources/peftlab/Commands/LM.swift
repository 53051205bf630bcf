import ArgumentParser
import Foundation
import PEFTData
import PEFTLM

/// `peftlab lm`: PEFTLab's own small causal language model.
struct LM: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "PEFTLab's own causal language model (GPT-2 layout) for MSE-Adapter.",
        subcommands: [Pretrain.self])

    /// `peftlab lm pretrain`: pretrain a small GPT-2-layout LM on the generated sentiment corpus, resumably.
    struct Pretrain: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Pretrain a small GPT-2-layout language model on PEFTLab's generated text; resumable.",
            discussion: """
                Writes a complete model directory (config.json, model.safetensors, vocab.json, merges.txt) every \
                --checkpoint-every steps, with pretraining_state.json; run the same command again after an \
                interruption and it continues from the last checkpoint, ending bit for bit as an uninterrupted run. \
                The tokenizer is GPT-2's byte-level BPE without merges (256 bytes + <|endoftext|>).

                Example:
                  peftlab lm pretrain --out peftlab-quickstart/lm --steps 300
                  peftlab generate --lm peftlab-quickstart/lm --prompt "i found the plot dull </Multimodal> The sentiment is"
                """)

        @Option(help: ArgumentHelp("Output model directory.", valueName: "dir"))
        var out: String
        @Option(help: "Optimisation steps.")
        var steps = 300
        @Option(help: "Documents in the generated corpus.")
        var documents = 4_000
        @Option(help: "Residual width (n_embd).")
        var width = 64
        @Option(help: "Transformer blocks (n_layer).")
        var layers = 2
        @Option(help: "Sequences per step.")
        var batchSize = 16
        @Option(help: "Peak learning rate (AdamW, cosine schedule).")
        var lr = 3e-3
        @Option(help: "Seed of the corpus, the initialisation and the batches.")
        var seed: UInt64 = 0
        @Option(help: "Steps between checkpoints.")
        var checkpointEvery = 50

        func validate() throws {
            for (name, value) in [("--steps", steps), ("--documents", documents), ("--width", width), ("--layers", layers),
                                  ("--batch-size", batchSize), ("--checkpoint-every", checkpointEvery)] where value < 1 {
                throw ValidationError("\(name) must be at least 1 (got \(value)).")
            }
            guard width % 4 == 0 else { throw ValidationError("--width must be a multiple of the 4 attention heads (got \(width)).") }
            guard lr > 0 else { throw ValidationError("--lr must be > 0 (got \(lr)).") }
        }

        func run() throws {
            try requireBLAS()
            var settings = CausalLMPretraining.Settings()
            settings.steps = steps
            settings.hiddenSize = width
            settings.layers = layers
            settings.batchSize = batchSize
            settings.lr = lr
            settings.seed = seed
            settings.checkpointEvery = checkpointEvery
            let corpus = TextCorpus.sentiment(count: documents, seed: seed)
            let run = try CausalLMPretraining(corpus: corpus, settings: settings, directory: URL(fileURLWithPath: out))
            let start = Date()
            let losses = try run.run { step, loss in
                if step % 50 == 0 || step == settings.steps { printErr("step \(step)/\(settings.steps): loss \(String(format: "%.4f", loss))\n") }
            }
            let tail = losses.suffix(20)
            printOut("\(out): \(settings.steps) steps, final loss (mean of the last \(tail.count)) "
                     + String(format: "%.4f", tail.reduce(0, +) / Float(Swift.max(tail.count, 1)))
                     + String(format: ", %.1f s\n", Date().timeIntervalSince(start)))
        }
    }
}

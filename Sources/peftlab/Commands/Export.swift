import ArgumentParser
import Foundation
import PEFTOrchestrator
import PEFTStore

extension PEFTLab {
    /// `peftlab export`: a run's trained adapter in Hugging Face PEFT's format.
    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a run's trained adapter as Hugging Face PEFT writes it, or a fully fine-tuned backbone in the HF layout.",
            discussion: """
                An adapter directory (lora, ia3, coop: adapter_config.json + adapter_model.safetensors) loads with \
                PeftModel.from_pretrained(CLIPModel.from_pretrained(BACKBONE), DIR) and `peftlab embed --backbone BACKBONE \
                --adapter DIR`; a full or bitfit run is written as a whole backbone directory (config.json, \
                model.safetensors, tokenizer and preprocessor files) that CLIPModel.from_pretrained and `peftlab embed \
                --backbone DIR` load. The best validation checkpoint is exported by default.

                Example:
                  peftlab export 7 --out adapters/run-7
                """)

        @OptionGroup var database: DatabaseOptions

        @Argument(help: ArgumentHelp("The run id (see `peftlab runs`).", valueName: "run"))
        var runID: Int64

        @Option(help: ArgumentHelp("Directory to write (replaced if it exists).", valueName: "dir"))
        var out: String

        @Option(help: "Checkpoint to export: best or last.")
        var checkpoint: String = "best"

        func validate() throws {
            guard RunExport.Selection(rawValue: checkpoint) != nil else {
                throw ValidationError("--checkpoint must be best or last (got '\(checkpoint)').")
            }
        }

        func run() throws {
            let store = try database.open(create: false)
            let artifact = try RunExport.artifact(runID: runID, store: store, selection: RunExport.Selection(rawValue: checkpoint) ?? .best)
            let target = URL(fileURLWithPath: out)
            switch artifact {
            case .adapter(let adapter):
                try AtomicDirectory.write(to: target, existing: .replace) { try adapter.write(to: $0) }
                printOut("run \(runID): \(adapter.tensors.count) tensors (\(adapter.config["peft_type"] ?? "?")) written to \(target.path)\n")
            case .backbone(let backbone):
                try AtomicDirectory.write(to: target, existing: .replace) { try backbone.save(to: $0) }
                printOut("run \(runID): the whole fine-tuned backbone (\(backbone.model.parameterCount()) parameters) written to \(target.path)\n")
            }
        }
    }
}

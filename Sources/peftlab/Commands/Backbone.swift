import ArgumentParser
import Foundation
import PEFTOrchestrator
import PEFTReports

extension PEFTLab {
    /// `peftlab backbone`: PEFTLab's own pretrained CLIP backbones.
    struct Backbone: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make PEFTLab's own pretrained CLIP backbones.",
            subcommands: [Pretrain.self])

        /// `peftlab backbone pretrain`.
        struct Pretrain: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Pretrain a small CLIP contrastively on a generated caption corpus (no downloads).",
                discussion: """
                    Generates the `captions` corpus and ingests it, saves a random-init CLIP of the recipe's shape, \
                    queues its pretraining as an ordinary run (method clip-pretrain, task retrieval: symmetric InfoNCE \
                    with a learnable temperature, AdamW, warm-up + cosine) and trains it, then writes the backbone in \
                    the Hugging Face layout to --out (default <database dir>/backbones/clip-<config>, which specs name \
                    as `backbone: peftlab:<config>`), with its zero-shot figures in pretraining.json and in the run's \
                    test metrics. Killed, it resumes from its last checkpoint when run again; a directory already \
                    holding the recipe's backbone is left alone.

                    Example:
                      peftlab backbone pretrain --config tiny --threads 2
                      peftlab embed --backbone backbones/clip-tiny --text "two red kites on the left, in the snow"
                    """)

            @OptionGroup var database: DatabaseOptions

            @Option(help: ArgumentHelp("Recipe: tiny (width 128, 4 layers, 64 px) or small (width 256, 6 layers, 96 px).",
                                       valueName: "name"))
            var config = "tiny"

            @Option(help: ArgumentHelp("Output directory (default: <database dir>/backbones/clip-<config>).", valueName: "dir"))
            var out: String?

            @Option(help: "Cores for the pretraining run's kernels and BLAS.")
            var threads = ProcessInfo.processInfo.activeProcessorCount

            @Option(help: "Lease length in seconds: how soon a killed pretraining's run is handed on.")
            var leaseSeconds: Double = 30

            @Option(help: "Sarcasm scenes the zero-shot weather figure scores (default: the quickstart's 2 000).")
            var weatherExamples: Int?

            @Option(name: .customLong("set"), help: ArgumentHelp(
                "Override a recipe field for a recipe experiment (e.g. --set epochs=3 --set lr=0.003); repeatable. The "
                + "result goes to <database dir>/backbones/clip-<config>-<hash> unless --out says otherwise.", valueName: "field=value"))
            var overrides: [String] = []

            @Option(help: ArgumentHelp("Sleep after each step (fault-injection tests).", visibility: .hidden))
            var stepDelayMs: Double = 0

            func validate() throws {
                guard PretrainingRecipe.named(config) != nil else {
                    throw ValidationError("unknown --config '\(config)': expected one of "
                                          + PretrainingRecipe.all.map(\.name).joined(separator: ", ") + ".")
                }
                guard threads >= 1 else { throw ValidationError("--threads must be at least 1 (got \(threads)).") }
                guard leaseSeconds >= 1 else { throw ValidationError("--lease-seconds must be at least 1.") }
                if let weatherExamples, weatherExamples < 1 {
                    throw ValidationError("--weather-examples must be at least 1 (got \(weatherExamples)).")
                }
            }

            func run() throws {
                try requireBLAS()
                let store = try database.open(create: true)
                guard let named = PretrainingRecipe.named(config) else { return }
                let recipe = try named.overriding(overrides)
                // An overridden recipe never replaces peftlab:<config>: by default it goes beside it, named by its hash.
                let output = out.map { URL(fileURLWithPath: $0) } ?? (overrides.isEmpty ? nil
                    : BackboneReference.pretrainedRoot(storePath: store.path).appendingPathComponent("clip-\(config)-\(recipe.hash.prefix(12))"))
                var pretraining = BackbonePretraining(store: store, recipe: recipe, output: output, threads: threads)
                pretraining.leaseSeconds = leaseSeconds
                pretraining.stepDelaySeconds = stepDelayMs / 1000
                pretraining.weatherExamples = weatherExamples
                let board = ProgressBoard()
                pretraining.log = { line in
                    if board.isTerminal { board.finish("stage", line) } else { printOut(line + "\n") }
                }
                pretraining.onRunProgress = { p in
                    board.update("run", "run \(p.runID): step \(p.step)/\(p.totalSteps) loss \(p.loss.map { String(format: "%.3f", $0) } ?? "-") "
                                 + ProgressBoard.rateAndETA(rate: p.stepsPerSecond, remaining: p.totalSteps - p.step, unit: " steps/s"))
                    if p.step == p.totalSteps { board.finish("run") }
                }
                let outcome = try pretraining.run()
                board.close()
                let names = ["i2t_r1", "i2t_r5", "t2i_r1", "t2i_r5", "zeroshot_weather_accuracy", "zeroshot_mood_accuracy", "zeroshot_mood_prompt_accuracy"]
                let figures = names.compactMap { name in outcome.metrics[name].map { "\(name) \(String(format: "%.3f", $0))" } }
                printOut("\(outcome.directory.path): \(figures.joined(separator: ", "))\n")
            }
        }
    }
}

import ArgumentParser
import Foundation
import PEFTOrchestrator
import PEFTReports

extension PEFTLab {
    /// `peftlab quickstart`: the main job on data and a backbone the project generates itself.
    struct Quickstart: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run the main job end to end on generated data and a small generated CLIP (no downloads).",
            discussion: """
                In --dir (default ./peftlab-quickstart): writes the built-in sarcasm, sentiment and dialog datasets \
                as real JPEG/PNG files and ingests them, pretrains PEFTLab's own tiny CLIP once (peftlab:tiny, \
                see `peftlab backbone pretrain`), caches CLIP features, queues two experiment grids (written to DIR/experiments) and trains \
                them on worker threads, then prints the comparison tables. Run it again and it only does what is \
                missing; everything lands in DIR/peftlab.db.

                Example:
                  peftlab quickstart --dir /tmp/qs --threads 2
                  peftlab sql --db /tmp/qs/peftlab.db "SELECT * FROM leaderboard"
                """)

        @Option(help: ArgumentHelp("Working directory for data, backbone, specs and database.", valueName: "dir"))
        var dir = "peftlab-quickstart"

        @Option(help: "Runs trained at once.")
        var threads = 2

        @Option(help: ArgumentHelp("PEFTLab's pretrained backbone the specs use: tiny (pretrained here once, minutes) "
                                   + "or micro (seconds; for smoke runs).", valueName: "name"))
        var backbone = "tiny"

        func validate() throws {
            guard PretrainingRecipe.named(backbone) != nil else {
                throw ValidationError("unknown --backbone '\(backbone)': expected one of "
                                      + PretrainingRecipe.all.map(\.name).joined(separator: ", ") + ".")
            }
        }

        func run() throws {
            try requireBLAS()
            var pipeline = QuickstartPipeline(directory: URL(fileURLWithPath: dir), threads: threads,
                                              recipe: PretrainingRecipe.named(backbone) ?? .tiny)
            let board = ProgressBoard()
            pipeline.log = { line in
                if board.isTerminal { board.finish("stage", line) } else { printOut(line + "\n") }
            }
            pipeline.progress = { stage, done, total in
                board.update("stage", "\(stage): \(done)/\(total)")
            }
            pipeline.onRunProgress = { p in
                board.update("\(p.runID)", "run \(p.runID): step \(p.step)/\(p.totalSteps) "
                             + ProgressBoard.rateAndETA(rate: p.stepsPerSecond, remaining: p.totalSteps - p.step,
                                                        unit: " steps/s"))
                if p.step == p.totalSteps { board.finish("\(p.runID)") }
            }
            let store = try pipeline.run()
            board.close()
            for (experiment, metrics) in [("sarcasm-clip-probe", ["accuracy", "f1", "macro_f1"]),
                                          ("sentiment-audio-probe", ["mae", "corr", "acc2", "acc7"])] {
                printOut("\n\(experiment) (test split, mean ± std over seeds):\n")
                printOut(try Leaderboard.table(store: store, experiment: experiment, metrics: metrics).renderText())
            }
            printOut("\nEverything is in \(pipeline.databasePath); try:\n"
                     + "  peftlab sql --db \(pipeline.databasePath) \"SELECT experiment, method, grid, metric, mean FROM leaderboard\"\n")
        }
    }
}

import ArgumentParser
import Foundation
import PEFTOrchestrator
import PEFTReports
import PEFTStore

extension PEFTLab {
    /// `peftlab quickstart`: the main job on data and a backbone the project generates itself.
    struct Quickstart: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run the main job end to end on generated data and a CLIP pretrained here (no downloads).",
            discussion: """
                In --dir (default ./peftlab-quickstart): writes the built-in sarcasm, sentiment and dialog datasets \
                as real JPEG/PNG files and ingests them, pretrains PEFTLab's own tiny CLIP once (peftlab:tiny, \
                see `peftlab backbone pretrain`), caches CLIP features, queues the quickstart grid (linear probe, LoRA, \
                Houlsby adapters, AdS-CLIP and CoOp on the sarcasm task × 3 seeds; written to DIR/experiments) and \
                trains it on worker threads, then prints the comparison table against the linear probe and writes \
                DIR/report.html. Run it again and it only does what is missing; everything lands in DIR/peftlab.db.

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
                let loss = p.loss.map { String(format: "loss %.4f, ", $0) } ?? ""
                board.update("\(p.runID)", "run \(p.runID): step \(p.step)/\(p.totalSteps), \(loss)"
                             + ProgressBoard.rateAndETA(rate: p.stepsPerSecond, remaining: p.totalSteps - p.step,
                                                        unit: " steps/s"))
                if p.step == p.totalSteps { board.finish("\(p.runID)") }
            }
            let store = try pipeline.run()
            board.close()

            let experiment = QuickstartPipeline.experiment
            let report = try ComparisonReport(store: store, options: ReportOptions(
                experiments: [experiment], baseline: [BaselineCondition(key: "method.name", value: "linear-probe")]))
            let html = pipeline.directory.appendingPathComponent("report.html")
            try FileIO.write(Data(report.html().utf8), to: html.path)
            let db = pipeline.databasePath
            printOut("\n" + report.plainText() + "\n")
            printOut("""

                HTML report (tables, learning curves, parameters vs score): \(html.path)
                Database: \(db)
                Try:
                  peftlab report --db \(db) --experiment \(experiment) --baseline method.name=linear-probe --format markdown
                  peftlab sql --db \(db) "SELECT method, grid, mean, std, seeds, trainable_params FROM leaderboard WHERE experiment = '\(experiment)' AND metric = 'f1'"
                  peftlab sql --db \(db) "SELECT experiment, queued, running, succeeded, failed FROM run_states"
                  peftlab sql --db \(db) "SELECT r.id, r.method, r.trainable_params, s.step, s.value AS test_f1 FROM runs r JOIN selected_metrics s ON s.run_id = r.id WHERE s.selection = 'best-val' AND s.split = 'test' AND s.name = 'f1' ORDER BY s.value DESC LIMIT 5"

                """)
        }
    }
}

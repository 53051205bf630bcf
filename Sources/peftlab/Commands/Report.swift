import ArgumentParser
import Foundation
import PEFTReports
import PEFTStore

extension ReportFormat: ExpressibleByArgument {}
extension ModelSelection: ExpressibleByArgument {}

extension PEFTLab {
    /// `peftlab report`: comparison tables with significance, or one HTML page with plots.
    struct Report: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Comparison tables per experiment: one row per configuration, mean ± std over seeds, significance vs a baseline.",
            discussion: """
                Each row is a configuration (every setting but the seed) with its seeds, trainable parameters, \
                metrics at the selected checkpoint, wall-clock and examples/s. Incomplete groups say so ("2/3 (1 \
                running)"). With --baseline, each row is compared with the baseline row: a paired t-test over seeds \
                (markers * ** ***), a paired bootstrap CI over test examples of the first metric, and McNemar's exact \
                test for accuracy. Metrics a run did not record are recomputed from its stored predictions. The \
                same aggregates are the SQL view `leaderboard` (and `leaderboard_by_selection`).

                Examples:
                  peftlab report --baseline method.name=linear-probe
                  peftlab report --experiment lora-sarcasm --metric macro_f1 --format latex --out table.tex
                  peftlab report --format html --out report.html
                """)

        @OptionGroup var database: DatabaseOptions

        @Option(name: .customLong("experiment"), help: "An experiment to include (repeat for several; default: all).")
        var experiments: [String] = []

        @Option(name: .customLong("metric"), help: "A metric column (repeat; default: the target metric and the task's usual ones).")
        var metrics: [String] = []

        @Option(help: "The split the metrics are read on.")
        var split = "test"

        @Option(help: "Model selection: best-val (the best-validation checkpoint) or last (the last step).")
        var select = ModelSelection.bestVal

        @Option(name: .customLong("baseline"), help: ArgumentHelp("The baseline configuration, as config KEY=VALUE (repeat to narrow).",
                                                                  valueName: "key=value"))
        var baselines: [String] = []

        @Option(help: "Output format: table, markdown, csv, latex, html or json.")
        var format = ReportFormat.table

        @Option(help: ArgumentHelp("Write to this file instead of standard output.", valueName: "file"))
        var out: String?

        @Option(help: "Bootstrap resamples over test examples.")
        var resamples = 10_000

        @Option(help: "Seed of the bootstrap resampling.")
        var seed: UInt64 = 0

        func validate() throws {
            guard resamples >= 0 else { throw ValidationError("--resamples must be 0 (no bootstrap) or more (got \(resamples)).") }
            for baseline in baselines {
                do { _ = try BaselineCondition(parsing: baseline) } catch { throw ValidationError("\(error)") }
            }
        }

        func run() throws {
            let store = try database.open(access: .readOnly)
            let options = ReportOptions(experiments: experiments, metrics: metrics, split: split, selection: select,
                                        baseline: try baselines.map(BaselineCondition.init(parsing:)),
                                        bootstrap: PairedBootstrap(resamples: resamples, seed: seed))
            let text = try ComparisonReport(store: store, options: options).rendered(as: format)
            if let out {
                try FileIO.write(Data(text.utf8), to: out)
                printErr("wrote \(out)\n")
            } else {
                printOut(text)
            }
        }
    }
}

import ArgumentParser
import PEFTOrchestrator
import PEFTReports

extension PEFTLab {
    /// `peftlab queue`: expand experiment specs into runs.
    struct Queue: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Expand experiment specs (grid × seeds) into queued runs; re-queueing adds only new points.",
            discussion: """
                Every spec is validated first (errors name file:line and key) and nothing is queued if any fails. \
                A run is identified by the SHA-256 of its canonical config, so queueing the same YAML twice adds \
                nothing and changing one grid value adds exactly the new points.

                Examples:
                  peftlab queue experiments/sarcasm-probe.yaml
                  peftlab queue --dry-run experiments/*.yaml
                """)

        @OptionGroup var database: DatabaseOptions

        @Flag(help: "Print the expanded runs (and which are already queued) without queueing anything.")
        var dryRun = false

        @Argument(help: "Experiment spec files (YAML).")
        var files: [String]

        func run() throws {
            var specs: [ExperimentSpec] = []
            var problems: [SpecError] = []
            for file in files {
                do { specs.append(try ExperimentSpec.load(path: file)) } catch { problems += error.errors }
            }
            if !problems.isEmpty { throw SpecErrors(errors: problems) }
            let store = try database.open(create: !dryRun)
            let queue = ExperimentQueue(store: store)
            if dryRun {
                for spec in specs {
                    let rows = try queue.preview(spec).enumerated().map { i, entry in
                        [TextTable.Cell(String(i + 1), kind: .number), TextTable.Cell(entry.plan.method),
                         TextTable.Cell(ConfigValue.map(entry.plan.grid).canonicalJSON),
                         TextTable.Cell(String(entry.plan.seed), kind: .number),
                         TextTable.Cell(String(entry.plan.configHash.prefix(12))),
                         TextTable.Cell(entry.queued ? "already queued" : "new")]
                    }
                    printOut("\(spec.name) (\(spec.file)):\n")
                    printOut(TextTable(columns: ["#", "method", "grid", "seed", "config", "status"], rows: rows).renderText())
                }
                return
            }
            for outcome in try queue.queue(specs) {
                printOut("\(outcome.experiment): \(outcome.new) new, \(outcome.alreadyQueued) already queued\n")
            }
        }
    }
}

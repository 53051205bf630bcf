import ArgumentParser
import PEFTOrchestrator
import PEFTReports
import PEFTMethods

extension PEFTLab {
    /// `peftlab queue`: expand experiment specs into runs.
    struct Queue: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Expand experiment specs (grid × seeds) into queued runs; re-queueing adds only new points.",
            discussion: """
                Every spec is validated first (errors name file:line and key) and nothing is queued if any fails. \
                A run is identified by the SHA-256 of its canonical config, so queueing the same YAML twice adds \
                nothing and changing one grid value adds exactly the new points. A spec that could expand to more than \
                --max-runs runs (100 000 by default) is refused before anything is expanded.

                Examples:
                  peftlab queue experiments/sarcasm-probe.yaml
                  peftlab queue --dry-run experiments/*.yaml
                  peftlab queue --dry-run --json experiments/lora_sarcasm.yaml
                  peftlab queue --max-runs 500000 experiments/big-sweep.yaml
                  peftlab queue experiments/ads_clip_sarcasm.yaml --set dataset=mmsd2 \\
                      --set backbone=~/clip-b32 --set train.epochs=1 --set seeds=[1]
                """)

        @OptionGroup var database: DatabaseOptions

        @Flag(help: "Print the expanded runs (and which are already queued) without queueing anything.")
        var dryRun = false

        @Flag(help: "With --dry-run: one JSON object per run, with its parameter counts (method, head, trainable, total).")
        var json = false
        @Option(help: ArgumentHelp("Refuse a spec that could expand to more runs than this (grid points × seeds).",
                                   valueName: "N"))
        var maxRuns = ExperimentSpec.defaultMaxRuns

        func validate() throws {
            guard maxRuns >= 1 else { throw ValidationError("--max-runs must be at least 1 (got \(maxRuns)).") }
        }

        @Option(name: .customLong("set"),
                help: ArgumentHelp("Override a spec key before validation, Hydra-style (repeatable): dataset=mmsd2, "
                                   + "train.epochs=1, seeds=[1], method.bottleneck=32, grid.train.lr=[1e-3].",
                                   valueName: "KEY=VALUE"))
        var overrides: [String] = []

        @Argument(help: "Experiment spec files (YAML).")
        var files: [String]

        func run() throws {
            var specs: [ExperimentSpec] = []
            var problems: [SpecError] = []
            var parsed: [SpecOverride] = []
            for text in overrides {
                do { parsed.append(try SpecOverride.parse(text)) } catch { problems += error.errors }
            }
            if !problems.isEmpty { throw SpecErrors(errors: problems) }
            for file in files {
                do { specs.append(try ExperimentSpec.load(path: file, overrides: parsed)) } catch { problems += error.errors }
            }
            for spec in specs {
                do { try spec.checkSize(maxRuns: maxRuns) } catch { problems += error.errors }
            }
            if !problems.isEmpty { throw SpecErrors(errors: problems) }
            let store = try database.open(create: !dryRun, access: dryRun ? .readOnly : .readWrite)
            let queue = ExperimentQueue(store: store)
            if dryRun && json {
                for spec in specs {
                    var entries: [(plan: RunPlan, queued: Bool)] = []
                    try queue.preview(spec, maxRuns: maxRuns) { entries.append(($0, $1)) }
                    for entry in entries {
                        let counts = try ParameterEstimate.counts(entry.plan, store: store)
                        var object: [String: ConfigValue] = [
                            "experiment": .string(spec.name), "config_hash": .string(entry.plan.configHash),
                            "method": .string(entry.plan.method), "seed": .int(entry.plan.seed),
                            "grid": .map(entry.plan.grid), "status": .string(entry.queued ? "already queued" : "new"),
                        ]
                        if let counts {
                            object["method_params"] = .int(counts.method)
                            object["head_params"] = .int(counts.head)
                            object["trainable_params"] = .int(counts.trainable)
                            object["total_params"] = .int(counts.total)
                        }
                        printOut(ConfigValue.map(object).canonicalJSON + "\n")
                    }
                }
                return
            }
            if dryRun {
                for spec in specs {
                    var rows: [[TextTable.Cell]] = []
                    try queue.preview(spec, maxRuns: maxRuns) { plan, queued in
                        rows.append([TextTable.Cell(String(rows.count + 1), kind: .number), TextTable.Cell(plan.method),
                                     TextTable.Cell(ConfigValue.map(plan.grid).canonicalJSON),
                                     TextTable.Cell(String(plan.seed), kind: .number),
                                     TextTable.Cell(String(plan.configHash.prefix(12))),
                                     TextTable.Cell(queued ? "already queued" : "new")])
                    }
                    printOut("\(spec.name) (\(spec.file)):\n")
                    printOut(TextTable(columns: ["#", "method", "grid", "seed", "config", "status"], rows: rows).renderText())
                }
                return
            }
            for outcome in try queue.queue(specs, maxRuns: maxRuns) {
                printOut("\(outcome.experiment): \(outcome.new) new, \(outcome.alreadyQueued) already queued\n")
            }
        }
    }
}

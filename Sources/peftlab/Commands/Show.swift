import ArgumentParser
import PEFTReports
import PEFTStore

extension PEFTLab {
    /// `peftlab show RUN`.
    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show one run: its config, attempts, errors, checkpoints and a summary of each metric curve.",
            discussion: """
                Example:
                  peftlab show 7
                """)

        @OptionGroup var database: DatabaseOptions
        @Argument(help: "Run id.") var runID: Int64

        func run() throws {
            let store = try database.open(access: .readOnly)
            guard let run = try store.read({ try RunDetail.fetch(runID: runID, in: $0) }) else {
                throw StoreError.notFound(what: "run \(runID)")
            }
            let fields: [(String, any SQLValueConvertible)] = [
                ("id", run.id), ("experiment", run.experiment), ("method", run.method), ("seed", run.seed),
                ("state", run.state), ("attempts", run.attempts), ("max_attempts", run.maxAttempts), ("step", run.step),
                ("total_steps", run.totalSteps), ("grid", run.grid), ("error", run.error), ("config", run.config),
            ]
            for (name, value) in fields { printOut("\(name): \(TextTable.Cell(stored: value).text)\n") }
            let sections: [(String, TextTable)] = [
                ("attempts", TextTable(columns: ["attempt", "worker_id", "outcome", "error", "seconds"], rows: run.history.map {
                    [TextTable.Cell(stored: $0.attempt), TextTable.Cell(stored: $0.workerID), TextTable.Cell(stored: $0.outcome),
                     TextTable.Cell(stored: $0.error), TextTable.Cell(stored: $0.seconds)]
                })),
                ("checkpoints", TextTable(columns: ["step", "epoch", "cursor", "best_metric", "is_best", "byte_count"],
                                          rows: run.checkpoints.map {
                    [TextTable.Cell(stored: $0.step), TextTable.Cell(stored: $0.epoch), TextTable.Cell(stored: $0.cursor),
                     TextTable.Cell(stored: $0.bestMetric), TextTable.Cell(stored: $0.isBest), TextTable.Cell(stored: $0.byteCount)]
                })),
                ("metrics", TextTable(columns: ["split", "name", "points", "first_step", "last_step", "min", "max", "last"],
                                      rows: run.metrics.map {
                    [TextTable.Cell($0.split), TextTable.Cell($0.name), TextTable.Cell(stored: $0.points),
                     TextTable.Cell(stored: $0.firstStep), TextTable.Cell(stored: $0.lastStep), TextTable.Cell(stored: $0.min),
                     TextTable.Cell(stored: $0.max), TextTable.Cell(stored: $0.last)]
                })),
                ("events", TextTable(columns: ["kind", "level", "message"], rows: run.events.map {
                    [TextTable.Cell($0.kind), TextTable.Cell($0.level.rawValue), TextTable.Cell($0.message)]
                })),
            ]
            for (title, table) in sections { printOut("\n\(title):\n" + table.renderText()) }
        }
    }
}

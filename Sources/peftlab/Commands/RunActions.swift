import ArgumentParser
import PEFTStore

/// Which runs a cancel/retry/resume applies to.
struct RunSelectionOptions: ParsableArguments {
    @Option(help: "Every matching run of this experiment.") var experiment: String?
    @Option(help: "With --experiment: only runs in this state.") var state: String?
    @Argument(help: "Run ids.") var runs: [Int64] = []

    func validate() throws {
        if runs.isEmpty == (experiment == nil) {
            throw ValidationError("Give run ids or --experiment NAME (not both).")
        }
    }

    var selection: RunControl.Selection {
        experiment.map { .experiment($0, state: state) } ?? .runs(runs)
    }
}

extension PEFTLab {
    /// `peftlab cancel`.
    struct Cancel: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Cancel queued or running runs (a running run stops at its next step, recording nothing more).",
            discussion: """
                Examples:
                  peftlab cancel 12 13
                  peftlab cancel --experiment sarcasm-probe
                """)
        @OptionGroup var database: DatabaseOptions
        @OptionGroup var target: RunSelectionOptions

        func run() throws {
            let ids = try RunControl(store: try database.open()).cancel(target.selection)
            printOut("cancelled \(ids.count) run\(ids.count == 1 ? "" : "s")\(ids.isEmpty ? "" : ": " + ids.map(String.init).joined(separator: " "))\n")
        }
    }

    /// `peftlab retry`.
    struct Retry: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Queue failed or cancelled runs again from step 0 (their checkpoints and metrics are deleted).",
            discussion: """
                Examples:
                  peftlab retry 7
                  peftlab retry --experiment sarcasm-probe --state failed
                """)
        @OptionGroup var database: DatabaseOptions
        @OptionGroup var target: RunSelectionOptions

        func run() throws {
            let ids = try RunControl(store: try database.open()).retry(target.selection)
            printOut("queued \(ids.count) run\(ids.count == 1 ? "" : "s") again from step 0\n")
        }
    }

    /// `peftlab resume`.
    struct Resume: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Queue failed or cancelled runs again; they continue from their last checkpoint.",
            discussion: """
                Examples:
                  peftlab resume 7
                  peftlab resume --experiment sarcasm-probe --state cancelled
                """)
        @OptionGroup var database: DatabaseOptions
        @OptionGroup var target: RunSelectionOptions

        func run() throws {
            let ids = try RunControl(store: try database.open()).resume(target.selection)
            printOut("queued \(ids.count) run\(ids.count == 1 ? "" : "s") to resume from their last checkpoint\n")
        }
    }
}

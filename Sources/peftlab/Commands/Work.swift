import ArgumentParser
import Dispatch
import Foundation
import PEFTOrchestrator
import PEFTReports
import PEFTStore

extension PEFTLab {
    /// `peftlab work`: train queued runs.
    struct Work: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Train queued runs on worker threads until the queue is empty (or forever with --wait).",
            discussion: """
                Several `peftlab work` processes may share one database: each run is claimed by exactly one \
                worker under a lease that heartbeats renew. A killed worker's runs become claimable again when \
                their lease expires and resume from their last checkpoint. Ctrl-C (SIGINT) or SIGTERM: every run \
                finishes its current step, checkpoints, and is given back to the queue.

                Examples:
                  peftlab work --threads 2
                  peftlab work --experiment sarcasm-probe --lease-seconds 60
                """)

        @OptionGroup var database: DatabaseOptions

        @Option(help: "Runs trained at once; the cores are divided between them.")
        var threads = 1

        @Option(help: "Only claim runs of this experiment.")
        var experiment: String?

        @Flag(help: "Keep waiting for new runs instead of exiting when nothing is queued or running.")
        var wait = false

        @Option(help: "Lease length in seconds: how soon a crashed worker's runs are handed on.")
        var leaseSeconds: Double = 30

        @Option(help: "Cores to divide between runs (default: all).")
        var cores: Int?

        @Option(help: .hidden)
        var stepDelayMs: Double = 0

        func validate() throws {
            guard threads >= 1 else { throw ValidationError("--threads must be at least 1.") }
            guard leaseSeconds >= 1 else { throw ValidationError("--lease-seconds must be at least 1.") }
        }

        /// The store, waiting up to a minute (with back-off) while a PostgreSQL server is unreachable or restarting:
        /// a worker started during a server restart joins when it is back instead of exiting.
        private func openRetrying() throws -> Store {
            var delay = 0.25
            let deadline = Date().addingTimeInterval(60)
            while true {
                do {
                    return try database.open()
                } catch let error as StoreError where StoreError.isTransient(error) && Date() < deadline {
                    printErr("peftlab work: \(error); retrying in \(delay) s\n")
                    Thread.sleep(forTimeInterval: delay)
                    delay = min(delay * 2, 4)
                }
            }
        }

        func run() throws {
            try requireBLAS()
            let store = try openRetrying()
            var options = Worker.Options()
            options.threads = threads
            options.experiment = experiment
            options.untilEmpty = !wait
            options.leaseSeconds = leaseSeconds
            if let cores { options.cores = cores }
            options.stepDelaySeconds = stepDelayMs / 1000
            let worker = Worker(store: store, options: options)
            let board = ProgressBoard()
            worker.onProgress = { p in
                let loss = p.loss.map { String(format: "loss %.4f", $0) } ?? ""
                board.update("\(p.runID)", "run \(p.runID): step \(p.step)/\(p.totalSteps) \(loss) "
                             + ProgressBoard.rateAndETA(rate: p.stepsPerSecond, remaining: p.totalSteps - p.step,
                                                        unit: " steps/s"))
            }
            worker.onEnding = { runID, ending in board.finish("\(runID)", "run \(runID): \(ending)") }
            let signals = SignalHandlers { worker.stop.raise() }
            let summary = worker.run()
            withExtendedLifetime(signals) {}
            board.close()
            printOut("worker \(worker.identity.id): \(summary.succeeded) succeeded, \(summary.failed) failed, "
                     + "\(summary.released) released, \(summary.cancelled) cancelled, \(summary.leaseLost) lost their lease\n")
            if let fatal = summary.fatalError {
                FileHandle.standardError.write(Data("error: the worker stopped: \(fatal)\n".utf8))
                throw ExitCode(2)
            }
        }
    }
}

/// SIGINT/SIGTERM → `onStop` once (graceful: checkpoint and release); a second signal exits at once.
final class SignalHandlers: @unchecked Sendable {
    private var sources: [DispatchSourceSignal] = []
    private var count = 0

    init(onStop: @escaping @Sendable () -> Void) {
        for sig in [SIGINT, SIGTERM] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler { [self] in
                count += 1
                if count > 1 { exit(130) }
                FileHandle.standardError.write(Data("stopping: finishing the current steps, checkpointing, releasing leases (again to abort)\n".utf8))
                onStop()
            }
            source.resume()
            sources.append(source)
        }
    }
}

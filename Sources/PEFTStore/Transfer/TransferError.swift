/// Why a transfer between two stores was refused. Nothing is written to the destination when one is thrown.
public enum TransferError: Error, CustomStringConvertible, Equatable {
    /// `db export` was given a file that already exists.
    case destinationExists(path: String)
    /// `db export` was given a store (not a file) that already holds experiments or datasets.
    case destinationNotEmpty(locator: String)
    /// Source and destination are the same store.
    case sameStore(locator: String)
    /// An experiment asked for is not in the source.
    case unknownExperiment(name: String, source: String, available: [String])
    /// The destination holds an experiment of the same name whose rows differ.
    case conflictingExperiment(name: String, destination: String)
    /// A run to copy has the config hash of a run the destination holds under another experiment.
    case conflictingRun(configHash: String, experiment: String, existingExperiment: String, destination: String)

    public var description: String {
        switch self {
        case .destinationExists(let path):
            return "'\(path)' already exists: export to a new file name (an export never overwrites or merges into a file)"
        case .destinationNotEmpty(let locator):
            return "'\(locator)' already holds experiments or datasets: export into an empty store, or use `db import` to merge"
        case .sameStore(let locator):
            return "'\(locator)' is both the source and the destination: nothing to copy"
        case .unknownExperiment(let name, let source, let available):
            let known = available.isEmpty ? "it has none" : "it has: " + available.joined(separator: ", ")
            return "no experiment '\(name)' in '\(source)' (\(known))"
        case .conflictingExperiment(let name, let destination):
            return "experiment '\(name)' already exists in '\(destination)' with different content (its spec, runs, "
                + "metrics or checkpoints differ): nothing was imported; rename or delete one of the two first"
        case .conflictingRun(let hash, let experiment, let existing, let destination):
            return "run \(hash.prefix(12)) of experiment '\(experiment)' is already in '\(destination)' under experiment "
                + "'\(existing)' (same config hash): nothing was imported"
        }
    }
}

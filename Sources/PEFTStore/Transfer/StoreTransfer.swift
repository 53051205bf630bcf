import Foundation

/// Copies experiments (with their runs, attempts, checkpoints, metrics, predictions and run events) and optionally
/// the data side between two stores of any backends, column value for column value (`db export` / `db import`).
///
/// **Identity.** Names and hashes identify rows; integer ids follow them. An experiment is matched by name: absent
/// in the destination, it is copied; present with the same content (its row, its runs and every row of theirs,
/// ids aside), it is skipped, so a re-import adds nothing; present with other content, the whole transfer is
/// refused (`TransferError.conflictingExperiment`). Datasets are matched by name and merged like a re-ingest:
/// examples by source key, manifests by hash, images and tensors by hash, backbones and cached features by their
/// keys; rows already there are kept as they are. Every copied row keeps its integer id when the destination has no
/// row with that id (always, into a new store), else it gets a fresh one above both stores' largest, and every
/// foreign key (runs.experiment_id, …, examples.dataset_id, example_features.example_id) follows. Runs name their
/// dataset in config_json by name only. Prediction blobs are copied byte for byte, so the example ids inside them
/// stay the source's (reports only compare them between runs, which keeps pairing within what was copied).
///
/// **What is left out.** Leases are live worker state and are not copied: a run that was 'running' arrives
/// 'running' without a lease (cancel then resume it there to continue it). Events not about a run (ingest
/// summaries) are not copied.
///
/// **Atomicity and memory.** The source is read in one read transaction (a consistent snapshot); the destination
/// is written in one write transaction, so a transfer is all or nothing. Rows are streamed table by table and
/// inserted in batches of at most 500 rows or 32 MiB, so checkpoints and images are never all in memory at once.
public enum StoreTransfer {
    /// Writes the selection into a new store at `destination` (`db export`), which must not exist yet (a file) or
    /// hold no experiments and no datasets (another backend's locator). A file this call created is removed again
    /// when the export fails.
    /// - Throws: `TransferError` (`.destinationExists`, `.destinationNotEmpty`, `.unknownExperiment`), `StoreError`.
    public static func export(from source: Store, to destination: String,
                              selection: TransferSelection) throws -> TransferSummary {
        let manager = FileManager.default
        if manager.fileExists(atPath: destination) { throw TransferError.destinationExists(path: destination) }
        let target = try Store(path: destination)
        let createdFile = manager.fileExists(atPath: destination)
        do {
            let holdsData = try target.read { tx in
                try tx.value(Bool.self, "SELECT EXISTS (SELECT 1 FROM experiments) OR EXISTS (SELECT 1 FROM datasets)") ?? false
            }
            if holdsData { throw TransferError.destinationNotEmpty(locator: destination) }
            let summary = try copy(from: source, into: target, selection: selection)
            target.close()
            return summary
        } catch {
            target.close()
            if createdFile {
                for suffix in ["", "-wal", "-shm"] { try? manager.removeItem(atPath: destination + suffix) }
            }
            throw error
        }
    }

    /// Copies the selection from `source` into `target` (`db import` copies `.everything`) under the identity rule
    /// above, in one write transaction of `target`.
    /// - Throws: `TransferError` (`.conflictingExperiment`, `.conflictingRun`, `.unknownExperiment`, `.sameStore`),
    ///   `StoreError`; the target is unchanged when anything is thrown.
    public static func copy(from source: Store, into target: Store,
                            selection: TransferSelection = .everything) throws -> TransferSummary {
        if resolved(source.path) == resolved(target.path) { throw TransferError.sameStore(locator: source.path) }
        return try source.read { sourceTx in
            try target.write { targetTx in
                let copy = TransferCopy(source: sourceTx, target: targetTx, sourceName: source.path, targetName: target.path)
                return try copy.run(selection)
            }
        }
    }

    /// A locator with symbolic links and relative parts resolved, so two spellings of one file compare equal.
    static func resolved(_ locator: String) -> String {
        locator.contains("://") ? locator : URL(fileURLWithPath: locator).resolvingSymlinksInPath().path
    }
}

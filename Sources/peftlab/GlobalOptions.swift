import ArgumentParser
import Foundation
import PEFTReports
import PEFTStore
import PEFTTensor

/// Options every database-using subcommand shares.
struct DatabaseOptions: ParsableArguments {
    @Option(name: .customLong("db"), help: ArgumentHelp(
        "The PEFTLab database file (default: $PEFTLAB_DB, else ./peftlab.db).", valueName: "path"))
    var path: String?

    /// The path in effect.
    var resolvedPath: String { path ?? Store.defaultPath }

    /// Opens an existing database (or creates it when `create`), upgrading its schema if it is older; with
    /// `access: .readOnly` (commands that only read), opens it read-only and never creates or changes it.
    func open(create: Bool = false, access: Store.Access = .readWrite) throws -> Store {
        try Store(path: resolvedPath, create: create, access: access)
    }
}

/// `--csv` / `--json` for commands that print tables.
struct FormatOptions: ParsableArguments {
    @Flag(help: "Print comma-separated values instead of an aligned table.")
    var csv = false

    @Flag(help: "Print a JSON array of objects instead of an aligned table.")
    var json = false

    func validate() throws {
        if csv && json { throw ValidationError("--csv and --json cannot be combined: pick one output format.") }
    }

    var format: OutputFormat { json ? .json : (csv ? .csv : .table) }
}

/// Writes to standard output without buffering surprises when piped.
func printOut(_ text: String) {
    FileHandle.standardOutput.write(Data(text.utf8))
}

/// Writes a line for the user (warnings, progress) to standard error.
func printErr(_ text: String) {
    FileHandle.standardError.write(Data(text.utf8))
}

/// Loads the BLAS before a command computes anything, so that a missing OpenBLAS ends it with the loader's sentence
/// and exit status 1 instead of an abort in the middle of a run.
func requireBLAS() throws {
    _ = try BLAS.load()
}

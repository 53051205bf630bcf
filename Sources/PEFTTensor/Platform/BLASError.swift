/// Why the BLAS could not be loaded. `description` is the shim's sentence, naming what was tried.
public enum BLASError: Error, Equatable, Sendable, CustomStringConvertible {
    /// No OpenBLAS could be opened (`reason` holds each dlopen() error and how to install it).
    case libraryNotFound(reason: String)
    /// The library at `library` lacks a function PEFTLab calls.
    case missingFunction(library: String, reason: String)
    /// The library is a build PEFTLab cannot call (64-bit integers).
    case unsupportedBuild(library: String, reason: String)

    public var description: String {
        switch self {
        case .libraryNotFound(let reason), .missingFunction(_, let reason), .unsupportedBuild(_, let reason): reason
        }
    }
}

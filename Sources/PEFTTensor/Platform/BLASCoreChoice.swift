import CBLAS

/// Who chose the OpenBLAS core (kernel set) that runs this process's GEMMs.
public enum BLASCoreChoice: String, Codable, Sendable, CustomStringConvertible {
    /// OpenBLAS, from its own table of CPU models: PEFTLab set nothing (this CPU has no AVX2, or a test turned the
    /// automatic selection off with PEFTLAB_TEST_BLAS_NO_AUTOSELECT).
    case library
    /// PEFTLab, from CPUID, by setting OPENBLAS_CORETYPE while the library loaded.
    case peftlab
    /// The user's OPENBLAS_CORETYPE, kept.
    case user
    /// The user's OPENBLAS_CORETYPE needs instructions this CPU lacks, so PEFTLab loaded its own choice instead.
    case userReplaced = "user_replaced"
    /// The library was already loaded into the process (linked by the program) before PEFTLab's loader ran.
    case preloaded
    /// Test only: PEFTLAB_TEST_BLAS_DEFAULT_CORE stood in for OpenBLAS's own (mis)detection.
    case testDefault = "test_default"

    public var description: String {
        switch self {
        case .library: "OpenBLAS's own CPU detection"
        case .peftlab: "PEFTLab, from CPUID"
        case .user: "the user's OPENBLAS_CORETYPE"
        case .userReplaced: "PEFTLab, replacing the user's OPENBLAS_CORETYPE, which this CPU cannot run"
        case .preloaded: "whoever loaded OpenBLAS into the process before PEFTLab"
        case .testDefault: "PEFTLAB_TEST_BLAS_DEFAULT_CORE (test emulation of OpenBLAS's own detection)"
        }
    }

    init(_ source: pl_blas_core_source) {
        switch source {
        case PL_BLAS_CORE_PEFTLAB: self = .peftlab
        case PL_BLAS_CORE_USER: self = .user
        case PL_BLAS_CORE_USER_REPLACED: self = .userReplaced
        case PL_BLAS_CORE_PRELOADED: self = .preloaded
        case PL_BLAS_CORE_TEST_DEFAULT: self = .testDefault
        default: self = .library
        }
    }
}

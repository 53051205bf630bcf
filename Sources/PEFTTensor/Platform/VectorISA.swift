import CBLAS

/// Vector instruction levels, in order: what a CPU runs, and what a BLAS core's kernels need.
/// JSON carries the raw name (`"avx2"`); comparisons follow the order of the cases.
public enum VectorISA: String, Codable, Comparable, Sendable, CustomStringConvertible {
    case unknown
    /// SSE2/SSE3-class kernels: OpenBLAS's Prescott, Core2, Penryn, Nehalem, Atom, Katmai, Opteron, Barcelona, …
    case sse
    /// 256-bit AVX without AVX2: Sandybridge, Bulldozer, Piledriver, Steamroller, Excavator.
    case avx
    /// AVX2 + FMA: Haswell, Zen.
    case avx2
    /// AVX-512 F/DQ/CD/BW/VL: SkylakeX, Cooperlake, SapphireRapids.
    case avx512

    /// From the shim's PL_BLAS_ISA_* level (0…4).
    init(level: Int) {
        self = [.unknown, .sse, .avx, .avx2, .avx512].first { $0.level == level } ?? .unknown
    }

    /// The shim's PL_BLAS_ISA_* level.
    var level: Int {
        switch self {
        case .unknown: Int(PL_BLAS_ISA_UNKNOWN)
        case .sse: Int(PL_BLAS_ISA_SSE)
        case .avx: Int(PL_BLAS_ISA_AVX)
        case .avx2: Int(PL_BLAS_ISA_AVX2)
        case .avx512: Int(PL_BLAS_ISA_AVX512)
        }
    }

    public static func < (a: VectorISA, b: VectorISA) -> Bool { a.level < b.level }

    public var description: String {
        switch self {
        case .unknown: "unknown"
        case .sse: "SSE"
        case .avx: "AVX"
        case .avx2: "AVX2+FMA"
        case .avx512: "AVX-512"
        }
    }
}

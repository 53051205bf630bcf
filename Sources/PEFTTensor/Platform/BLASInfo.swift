/// The BLAS this process runs its GEMMs on: the library file, its build, the kernels it runs and who chose them,
/// with the CPU, so that a benchmark figure can be read against its machine. Get it from `BLAS.load()`.
public struct BLASInfo: Codable, Equatable, Sendable {
    /// The library file as loaded, symlinks resolved (Debian: …/openblas-pthread/libopenblasp-r0.3.21.so).
    public var library: String
    /// `0.3.21`, from the config string.
    public var version: String
    /// `openblas_get_config()`: version, build options and the core, e.g.
    /// `OpenBLAS 0.3.21 NO_LAPACKE DYNAMIC_ARCH NO_AFFINITY Zen MAX_THREADS=64`.
    public var config: String
    /// `openblas_get_corename()`: the kernels that run, e.g. `Zen`, `SkylakeX`, `Prescott`.
    public var core: String
    /// The instruction level the core's kernels use.
    public var coreISA: VectorISA
    /// `pthreads`, `OpenMP`, `sequential` or `unknown`.
    public var threading: String
    /// Who chose `core`.
    public var coreChoice: BLASCoreChoice
    /// OPENBLAS_CORETYPE while the library loaded (nil: unset, OpenBLAS detected the CPU itself).
    public var requestedCore: String?
    /// The user's OPENBLAS_CORETYPE (nil: unset).
    public var userCore: String?
    public var cpu: CPUInfo

    /// The level of kernels this CPU should run: its own (AVX-512 at most, OpenBLAS has nothing wider).
    public var expectedISA: VectorISA { cpu.isa }

    /// True when the kernels are narrower than AVX2 although the CPU has AVX2+FMA or AVX-512: the case that makes
    /// sgemm 4–8× slower (Debian's OpenBLAS 0.3.21 running Prescott on a CPU model it does not know).
    public var runsGenericKernels: Bool { cpu.isa >= .avx2 && coreISA < .avx2 }

    /// Sentences for the user when the kernels are narrower than the CPU allows. (A user's core this CPU cannot
    /// run at all is replaced, and the shim says so on stderr as it loads.)
    public var warnings: [String] {
        var warnings: [String] = []
        if cpu.isa >= .avx2, coreISA < expectedISA {
            let fix = cpu.preferredBLASCore.map { "PEFTLab would load \($0)" } ?? "OpenBLAS would choose"
            let why = switch coreChoice {
            case .user: "OPENBLAS_CORETYPE=\(userCore ?? core) is set; unset it and \(fix)."
            case .preloaded: "OpenBLAS was loaded before PEFTLab could choose; start the program with "
                + "OPENBLAS_CORETYPE=\(cpu.preferredBLASCore ?? core)."
            default: "it was chosen by \(coreChoice)."
            }
            warnings.append("OpenBLAS runs its \(core) kernels (\(coreISA)) on a CPU with \(cpu.isa): sgemm runs "
                            + "several times slower than it could; \(why)")
        }
        return warnings
    }

    /// Lines for `peftlab version` and benchmark headers:
    /// ```
    /// cpu   AMD EPYC (AuthenticAMD family 25 model 1 stepping 1): AVX2 FMA -AVX-512F -AVX512-BF16 -AVX512-FP16 -AMX
    /// blas  OpenBLAS 0.3.21 (pthreads) /usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblasp-r0.3.21.so
    /// blas  config: OpenBLAS 0.3.21 NO_LAPACKE DYNAMIC_ARCH NO_AFFINITY Zen MAX_THREADS=64
    /// blas  core: Zen (AVX2+FMA kernels), chosen by PEFTLab, from CPUID
    /// ```
    public var summaryLines: [String] {
        ["cpu   \(cpu.summary): \(cpu.features.summary)",
         "blas  OpenBLAS \(version) (\(threading)) \(library)",
         "blas  config: \(config)",
         "blas  core: \(core) (\(coreISA) kernels), chosen by \(coreChoice)"]
    }
}

import CBLAS

/// The process's BLAS: OpenBLAS, loaded on first use by the CBLAS shim with kernels chosen from CPUID.
///
/// Any GEMM loads it implicitly (and ends the process with the reason on stderr if it cannot); call `load()` first
/// where an error can be reported, as the CLI does. See Sources/CBLAS/README.md for how the core is chosen.
public enum BLAS {
    /// Loads the library if no GEMM has yet, and describes it.
    /// - Throws: `BLASError` when no usable OpenBLAS can be opened; the same error on every later call.
    public static func load() throws(BLASError) -> BLASInfo {
        var status = pl_blas_status()
        let code = pl_blas_load(&status)
        let message = text(&status.message), library = text(&status.library)
        switch Int(code) {
        case Int(PL_BLAS_OK): break
        case Int(PL_BLAS_MISSING_SYMBOL): throw .missingFunction(library: library, reason: message)
        case Int(PL_BLAS_UNSUPPORTED): throw .unsupportedBuild(library: library, reason: message)
        default: throw .libraryNotFound(reason: message)
        }
        let config = text(&status.config), core = text(&status.core)
        let requested = text(&status.requested_core), user = text(&status.user_core)
        let words = config.split(separator: " ")
        let threading = switch status.parallel {
        case 0: "sequential"
        case 1: "pthreads"
        case 2: "OpenMP"
        default: "unknown"
        }
        return BLASInfo(library: library, version: words.count > 1 && words[0] == "OpenBLAS" ? String(words[1]) : "?",
                        config: config, core: core, coreISA: isa(ofCore: core), threading: threading,
                        coreChoice: BLASCoreChoice(status.source), requestedCore: requested.isEmpty ? nil : requested,
                        userCore: user.isEmpty ? nil : user, cpu: .current)
    }

    /// The instruction level an OpenBLAS core's kernels use (`Prescott` → `.sse`, `Zen` → `.avx2`, case-insensitive).
    public static func isa(ofCore name: String) -> VectorISA {
        VectorISA(level: Int(pl_blas_core_isa(name)))
    }

    /// The shim's decision for a given CPU and environment, without loading anything: the OPENBLAS_CORETYPE value
    /// it would set while loading (nil: none) and who that makes the chooser. The loader calls the same C function.
    package static func plan(cpu: CPUInfo, userCore: String?, autoselect: Bool = true, testDefaultCore: String? = nil,
                             preloaded: Bool = false) -> (core: String?, choice: BLASCoreChoice) {
        var raw = cpu.raw
        // The plan may point into the argument strings: read it while they are alive.
        return withOptionalCString(userCore) { user in
            withOptionalCString(testDefaultCore) { testDefault in
                let plan = pl_blas_plan_core(&raw, user, autoselect ? 1 : 0, testDefault, preloaded ? 1 : 0)
                return (plan.core.map { String(cString: $0) }, BLASCoreChoice(plan.source))
            }
        }
    }

    private static func withOptionalCString<R>(_ text: String?, _ body: (UnsafePointer<CChar>?) -> R) -> R {
        guard let text else { return body(nil) }
        return text.withCString { body($0) }
    }

    private static func text<T>(_ field: inout T) -> String {
        withUnsafeBytes(of: &field) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
    }
}

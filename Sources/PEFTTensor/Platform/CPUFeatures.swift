import CBLAS

/// The CPUID feature flags that matter for PEFTLab's kernels and its BLAS: usable (CPU and OS) unless noted.
public struct CPUFeatures: Codable, Equatable, Sendable {
    public var sse3 = false, ssse3 = false, sse42 = false
    public var avx = false, fma = false, avx2 = false
    public var avx512f = false, avx512dq = false, avx512cd = false, avx512bw = false, avx512vl = false
    public var avx512bf16 = false, avx512fp16 = false
    /// AMX tiles with BF16 and INT8 as the CPU reports them (Linux also needs a per-process permission to use them).
    public var amxTile = false, amxBF16 = false, amxInt8 = false

    public init() {}

    init(_ raw: pl_blas_cpu) {
        sse3 = raw.sse3 != 0
        ssse3 = raw.ssse3 != 0
        sse42 = raw.sse4_2 != 0
        avx = raw.avx != 0
        fma = raw.fma != 0
        avx2 = raw.avx2 != 0
        avx512f = raw.avx512f != 0
        avx512dq = raw.avx512dq != 0
        avx512cd = raw.avx512cd != 0
        avx512bw = raw.avx512bw != 0
        avx512vl = raw.avx512vl != 0
        avx512bf16 = raw.avx512_bf16 != 0
        avx512fp16 = raw.avx512_fp16 != 0
        amxTile = raw.amx_tile != 0
        amxBF16 = raw.amx_bf16 != 0
        amxInt8 = raw.amx_int8 != 0
    }

    func write(into raw: inout pl_blas_cpu) {
        func flag(_ value: Bool) -> Int32 { value ? 1 : 0 }
        raw.sse3 = flag(sse3)
        raw.ssse3 = flag(ssse3)
        raw.sse4_2 = flag(sse42)
        raw.avx = flag(avx)
        raw.fma = flag(fma)
        raw.avx2 = flag(avx2)
        raw.avx512f = flag(avx512f)
        raw.avx512dq = flag(avx512dq)
        raw.avx512cd = flag(avx512cd)
        raw.avx512bw = flag(avx512bw)
        raw.avx512vl = flag(avx512vl)
        raw.avx512_bf16 = flag(avx512bf16)
        raw.avx512_fp16 = flag(avx512fp16)
        raw.amx_tile = flag(amxTile)
        raw.amx_bf16 = flag(amxBF16)
        raw.amx_int8 = flag(amxInt8)
    }

    /// The flags a benchmark figure should be read against, as (name, present) in a fixed order:
    /// AVX2, FMA, AVX-512F, AVX512-BF16, AVX512-FP16, AMX.
    public var headline: [(name: String, present: Bool)] {
        [("AVX2", avx2), ("FMA", fma), ("AVX-512F", avx512f), ("AVX512-BF16", avx512bf16),
         ("AVX512-FP16", avx512fp16), ("AMX", amxTile)]
    }

    /// `AVX2 FMA -AVX-512F -AVX512-BF16 -AVX512-FP16 -AMX`: present flags plain, absent ones with a minus.
    public var summary: String { headline.map { $0.present ? $0.name : "-\($0.name)" }.joined(separator: " ") }
}

// CBLAS: OpenBLAS for PEFTTensor, loaded at run time with kernels that fit this CPU.
//
// PEFTLab does not link libopenblas. The first call of any function below dlopen()s libopenblas.so.0 (once,
// thread-safe). Before that, when the user has not set OPENBLAS_CORETYPE, it sets it from CPUID (AVX-512 →
// SkylakeX, AVX2+FMA → Zen on AMD / Haswell elsewhere) because OpenBLAS reads the variable only while it loads and
// otherwise picks its kernels from a table of CPU models that may not know this one (Debian's 0.3.21 runs its SSE3
// "Prescott" kernels on new Xeons). The environment is restored right after loading. Sources/CBLAS/README.md
// describes the whole mechanism and the test-only switches.
//
// `cblas_sgemm`, `openblas_set_num_threads` and `openblas_get_num_threads` keep their CBLAS/OpenBLAS names as
// static inline functions, so callers read as before; the exported symbols are the prefixed `pl_blas_*` ones.
// If the library cannot be loaded, those three print why and abort: call `pl_blas_load` first for an error you
// can report. This header is not a stable API: only PEFTTensor calls it.
#pragma once

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

// MARK: - CBLAS types (values fixed by the CBLAS standard; OpenBLAS's cblas.h uses the same)

/// OpenBLAS's integer type for the LP64 library libopenblas.so.0. `pl_blas_load` refuses a 64-bit-integer build.
typedef int blasint;

typedef enum CBLAS_ORDER { CblasRowMajor = 101, CblasColMajor = 102 } CBLAS_ORDER;
typedef enum CBLAS_TRANSPOSE {
    CblasNoTrans = 111, CblasTrans = 112, CblasConjTrans = 113, CblasConjNoTrans = 114
} CBLAS_TRANSPOSE;

// MARK: - CPU features (CPUID)

/// Size of the text fields below.
#define PL_BLAS_TEXT_MAX 256

/// What CPUID and XGETBV report. All zero on CPUs other than x86-64.
/// The AVX and AVX-512 flags are set only when the OS also saves the registers (XGETBV), i.e. when they are usable.
typedef struct {
    /// "GenuineIntel", "AuthenticAMD", "HygonGenuine", …
    char vendor[16];
    /// The brand string, e.g. "AMD EPYC 7B13" or "Intel(R) Xeon(R) Platinum 8488C" (spaces trimmed).
    char brand[64];
    /// Display family and model (extended fields folded in, as Linux's /proc/cpuinfo prints them).
    int family, model, stepping;
    int sse3, ssse3, sse4_2, avx, fma, avx2;
    int avx512f, avx512dq, avx512cd, avx512bw, avx512vl, avx512_bf16, avx512_fp16;
    /// AMX as the CPU reports it (Linux also needs a per-process permission request before AMX runs).
    int amx_tile, amx_bf16, amx_int8;
} pl_blas_cpu;

/// Fills `cpu` from CPUID (cached after the first call).
void pl_blas_cpu_detect(pl_blas_cpu *cpu);

/// Vector instruction levels, in order: what a CPU runs, and what an OpenBLAS core's kernels need.
enum {
    PL_BLAS_ISA_UNKNOWN = 0,
    /// SSE2/SSE3-class kernels (Prescott, Core2, Penryn, Nehalem, Atom, Katmai, Opteron, Barcelona, …).
    PL_BLAS_ISA_SSE = 1,
    /// 256-bit AVX without AVX2 (Sandybridge, Bulldozer, Piledriver, Steamroller, Excavator).
    PL_BLAS_ISA_AVX = 2,
    /// AVX2 + FMA (Haswell, Zen).
    PL_BLAS_ISA_AVX2 = 3,
    /// AVX-512 F/DQ/CD/BW/VL (SkylakeX, Cooperlake, SapphireRapids).
    PL_BLAS_ISA_AVX512 = 4,
};

/// The highest PL_BLAS_ISA_* level `cpu` can run (SSE for any x86-64, UNKNOWN elsewhere).
int pl_blas_cpu_isa(const pl_blas_cpu *cpu);

/// The PL_BLAS_ISA_* level an OpenBLAS core name's kernels need (case-insensitive); UNKNOWN for other names.
int pl_blas_core_isa(const char *core);

/// The OpenBLAS core PEFTLab asks for on `cpu`: "SkylakeX", "Zen", "Haswell", or NULL (leave it to OpenBLAS).
const char *pl_blas_preferred_core(const pl_blas_cpu *cpu);

// MARK: - Choosing the core

/// Who chose the core OpenBLAS runs.
typedef enum {
    /// OpenBLAS, from its own CPU model table: PEFTLab set nothing (no AVX2 on this CPU, or automatic selection off).
    PL_BLAS_CORE_LIBRARY = 0,
    /// PEFTLab set OPENBLAS_CORETYPE from CPUID while loading the library.
    PL_BLAS_CORE_PEFTLAB = 1,
    /// The user's OPENBLAS_CORETYPE, kept as it was.
    PL_BLAS_CORE_USER = 2,
    /// The user's OPENBLAS_CORETYPE names kernels this CPU cannot execute (they would die of SIGILL), so PEFTLab
    /// loaded its own choice instead (or OpenBLAS's, with the variable unset while loading) and said so on stderr.
    PL_BLAS_CORE_USER_REPLACED = 3,
    /// libopenblas was already in the process (linked by someone else) before PEFTLab's loader ran.
    PL_BLAS_CORE_PRELOADED = 4,
    /// Test only: PEFTLAB_TEST_BLAS_DEFAULT_CORE stood in for OpenBLAS's own (mis)detection.
    PL_BLAS_CORE_TEST_DEFAULT = 5,
} pl_blas_core_source;

/// What to put in OPENBLAS_CORETYPE while the library loads.
typedef struct {
    /// The value to set while loading; NULL leaves the environment as it is, except for
    /// PL_BLAS_CORE_USER_REPLACED, where NULL means: unset it while loading.
    const char *core;
    pl_blas_core_source source;
} pl_blas_core_plan;

/// The decision, as a pure function (the loader calls it with the real environment; tests call it directly).
/// `user_core`: OPENBLAS_CORETYPE, NULL or "" when unset. `autoselect`: 0 when PEFTLAB_TEST_BLAS_NO_AUTOSELECT is
/// set. `test_default_core`: PEFTLAB_TEST_BLAS_DEFAULT_CORE or NULL. `preloaded`: the library is already loaded.
pl_blas_core_plan pl_blas_plan_core(const pl_blas_cpu *cpu, const char *user_core, int autoselect,
                                    const char *test_default_core, int preloaded);

// MARK: - Loading

/// Status codes of `pl_blas_load`.
enum {
    PL_BLAS_OK = 0,
    /// No candidate library (libopenblas.so.0, libopenblas.so; only $PEFTLAB_OPENBLAS when set) could be opened;
    /// `message` holds dlerror() of each attempt.
    PL_BLAS_NOT_FOUND = 1,
    /// The library lacks a function PEFTLab calls; `message` names it.
    PL_BLAS_MISSING_SYMBOL = 2,
    /// The library is built with 64-bit integers (USE64BITINT), which `blasint` here does not match.
    PL_BLAS_UNSUPPORTED = 3,
};

/// The loaded library and how its kernels were chosen.
typedef struct {
    /// PL_BLAS_OK or the failure status.
    int status;
    /// The library file as loaded (symlinks resolved), e.g. …/openblas-pthread/libopenblasp-r0.3.21.so.
    char library[PL_BLAS_TEXT_MAX];
    /// openblas_get_config(), e.g. "OpenBLAS 0.3.21 NO_LAPACKE DYNAMIC_ARCH NO_AFFINITY Zen MAX_THREADS=64".
    char config[PL_BLAS_TEXT_MAX];
    /// openblas_get_corename(): the kernels that run, e.g. "Zen", "SkylakeX", "Prescott".
    char core[64];
    /// openblas_get_parallel(): 0 sequential, 1 pthreads, 2 OpenMP; -1 if the library does not say.
    int parallel;
    pl_blas_core_source source;
    /// OPENBLAS_CORETYPE while the library loaded ("" if unset).
    char requested_core[64];
    /// The user's OPENBLAS_CORETYPE ("" if unset).
    char user_core[64];
    /// Why loading failed ("" on success).
    char message[PL_BLAS_TEXT_MAX * 4];
} pl_blas_status;

/// Loads the BLAS if it is not loaded yet and copies the outcome into `out`. Thread-safe; the first call decides,
/// later calls report the same outcome. Returns `out->status`.
int pl_blas_load(pl_blas_status *out);

// MARK: - The BLAS functions PEFTLab calls

void pl_blas_sgemm(CBLAS_ORDER order, CBLAS_TRANSPOSE trans_a, CBLAS_TRANSPOSE trans_b, blasint m, blasint n,
                   blasint k, float alpha, const float *a, blasint lda, const float *b, blasint ldb, float beta,
                   float *c, blasint ldc);
void pl_blas_set_num_threads(int count);
int pl_blas_get_num_threads(void);

/// C = alpha·op(A)·op(B) + beta·C (OpenBLAS's cblas_sgemm).
static inline void cblas_sgemm(CBLAS_ORDER order, CBLAS_TRANSPOSE trans_a, CBLAS_TRANSPOSE trans_b, blasint m,
                               blasint n, blasint k, float alpha, const float *a, blasint lda, const float *b,
                               blasint ldb, float beta, float *c, blasint ldc) {
    pl_blas_sgemm(order, trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

/// OpenBLAS's worker count for the whole process.
static inline void openblas_set_num_threads(int count) { pl_blas_set_num_threads(count); }

/// OpenBLAS's current worker count.
static inline int openblas_get_num_threads(void) { return pl_blas_get_num_threads(); }

#ifdef __cplusplus
}
#endif

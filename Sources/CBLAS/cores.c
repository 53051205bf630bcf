// CBLAS shim: which OpenBLAS core (kernel set) to ask for, and what each core's kernels need.
#include <stddef.h>
#include <string.h>
#include <strings.h>

#include "CBLAS.h"

/// The x86-64 cores of OpenBLAS's DYNAMIC_ARCH builds (0.3.21's `corename[]` plus later additions) and the
/// instruction level their kernels use.
static const struct {
    const char *name;
    int isa;
} pl_blas_cores[] = {
    {"Katmai", PL_BLAS_ISA_SSE},        {"Coppermine", PL_BLAS_ISA_SSE},   {"Northwood", PL_BLAS_ISA_SSE},
    {"Prescott", PL_BLAS_ISA_SSE},      {"Banias", PL_BLAS_ISA_SSE},       {"Atom", PL_BLAS_ISA_SSE},
    {"Core2", PL_BLAS_ISA_SSE},         {"Penryn", PL_BLAS_ISA_SSE},       {"Dunnington", PL_BLAS_ISA_SSE},
    {"Nehalem", PL_BLAS_ISA_SSE},       {"Athlon", PL_BLAS_ISA_SSE},       {"Opteron", PL_BLAS_ISA_SSE},
    {"Opteron_SSE3", PL_BLAS_ISA_SSE},  {"Barcelona", PL_BLAS_ISA_SSE},    {"Nano", PL_BLAS_ISA_SSE},
    {"Bobcat", PL_BLAS_ISA_SSE},        {"Sandybridge", PL_BLAS_ISA_AVX},  {"Bulldozer", PL_BLAS_ISA_AVX},
    {"Piledriver", PL_BLAS_ISA_AVX},    {"Steamroller", PL_BLAS_ISA_AVX},  {"Excavator", PL_BLAS_ISA_AVX},
    {"Haswell", PL_BLAS_ISA_AVX2},      {"Zen", PL_BLAS_ISA_AVX2},         {"SkylakeX", PL_BLAS_ISA_AVX512},
    {"Cooperlake", PL_BLAS_ISA_AVX512}, {"SapphireRapids", PL_BLAS_ISA_AVX512},
};

int pl_blas_core_isa(const char *core) {
    if (core == NULL) return PL_BLAS_ISA_UNKNOWN;
    for (size_t i = 0; i < sizeof pl_blas_cores / sizeof pl_blas_cores[0]; i++) {
        if (strcasecmp(core, pl_blas_cores[i].name) == 0) return pl_blas_cores[i].isa;
    }
    return PL_BLAS_ISA_UNKNOWN;
}

// AVX-512 → SkylakeX, even with AVX512-BF16: Cooperlake's sgemm kernels are SkylakeX's (it adds only bf16
// sbgemm), and OpenBLAS 0.3.21 does not accept OPENBLAS_CORETYPE=Cooperlake (its parser stops one entry short).
// AVX2+FMA → Zen on AMD and Hygon (Haswell's kernels with Zen's blocking), Haswell on everything else.
const char *pl_blas_preferred_core(const pl_blas_cpu *cpu) {
    switch (pl_blas_cpu_isa(cpu)) {
    case PL_BLAS_ISA_AVX512:
        return "SkylakeX";
    case PL_BLAS_ISA_AVX2:
        return (strcmp(cpu->vendor, "AuthenticAMD") == 0 || strcmp(cpu->vendor, "HygonGenuine") == 0) ? "Zen"
                                                                                                     : "Haswell";
    default:
        return NULL;
    }
}

pl_blas_core_plan pl_blas_plan_core(const pl_blas_cpu *cpu, const char *user_core, int autoselect,
                                    const char *test_default_core, int preloaded) {
    pl_blas_core_plan plan = {NULL, PL_BLAS_CORE_LIBRARY};
    const char *preferred = pl_blas_preferred_core(cpu);
    if (preloaded) {
        plan.source = PL_BLAS_CORE_PRELOADED;
    } else if (user_core != NULL && user_core[0] != 0) {
        // A core above the CPU's level would die of SIGILL on the first GEMM: load PEFTLab's choice instead, or,
        // with none, OpenBLAS's own (the loader then unsets the variable while loading).
        int runnable = pl_blas_core_isa(user_core) <= pl_blas_cpu_isa(cpu);
        plan.source = runnable ? PL_BLAS_CORE_USER : PL_BLAS_CORE_USER_REPLACED;
        if (!runnable) plan.core = preferred;
    } else if (autoselect && preferred != NULL) {
        plan.core = preferred;
        plan.source = PL_BLAS_CORE_PEFTLAB;
    } else if (test_default_core != NULL && test_default_core[0] != 0) {
        plan.core = test_default_core;
        plan.source = PL_BLAS_CORE_TEST_DEFAULT;
    }
    return plan;
}

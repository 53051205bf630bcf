// CBLAS shim: CPU features from CPUID and XGETBV (x86-64; all zero elsewhere).
#include <pthread.h>
#include <string.h>

#include "CBLAS.h"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>

static unsigned long long pl_blas_xgetbv0(void) {
    unsigned int lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return ((unsigned long long)hi << 32) | lo;
}

static void pl_blas_trim(char *text) {
    size_t start = 0, length = strlen(text);
    while (text[start] == ' ') start++;
    while (length > start && text[length - 1] == ' ') length--;
    memmove(text, text + start, length - start);
    text[length - start] = 0;
}

static void pl_blas_cpu_read(pl_blas_cpu *cpu) {
    unsigned int a, b, c, d;
    memset(cpu, 0, sizeof *cpu);
    unsigned int max_leaf = __get_cpuid_max(0, NULL);
    if (max_leaf == 0) return;

    __cpuid(0, a, b, c, d);
    memcpy(cpu->vendor, &b, 4);
    memcpy(cpu->vendor + 4, &d, 4);
    memcpy(cpu->vendor + 8, &c, 4);

    __cpuid(1, a, b, c, d);
    int family = (a >> 8) & 0xf, model = (a >> 4) & 0xf;
    if (family == 0xf) family += (a >> 20) & 0xff;
    if (family == 0x6 || family >= 0xf) model += ((a >> 16) & 0xf) << 4;
    cpu->family = family;
    cpu->model = model;
    cpu->stepping = a & 0xf;
    cpu->sse3 = (c >> 0) & 1;
    cpu->ssse3 = (c >> 9) & 1;
    cpu->sse4_2 = (c >> 20) & 1;

    // AVX registers are usable only if the OS saves them: XMM+YMM state (bits 1, 2), plus opmask and ZMM (5, 6, 7).
    int osxsave = (c >> 27) & 1;
    unsigned long long xcr0 = osxsave ? pl_blas_xgetbv0() : 0;
    int ymm = (xcr0 & 0x6) == 0x6, zmm = ymm && (xcr0 & 0xe0) == 0xe0;
    cpu->avx = ymm && ((c >> 28) & 1);
    cpu->fma = ymm && ((c >> 12) & 1);

    if (max_leaf >= 7) {
        __cpuid_count(7, 0, a, b, c, d);
        cpu->avx2 = ymm && ((b >> 5) & 1);
        cpu->avx512f = zmm && ((b >> 16) & 1);
        cpu->avx512dq = zmm && ((b >> 17) & 1);
        cpu->avx512cd = zmm && ((b >> 28) & 1);
        cpu->avx512bw = zmm && ((b >> 30) & 1);
        cpu->avx512vl = zmm && ((b >> 31) & 1);
        cpu->avx512_fp16 = zmm && ((d >> 23) & 1);
        cpu->amx_bf16 = (d >> 22) & 1;
        cpu->amx_tile = (d >> 24) & 1;
        cpu->amx_int8 = (d >> 25) & 1;
        unsigned int subleaves = a;
        if (subleaves >= 1) {
            __cpuid_count(7, 1, a, b, c, d);
            cpu->avx512_bf16 = zmm && ((a >> 5) & 1);
        }
    }

    unsigned int max_extended = __get_cpuid_max(0x80000000, NULL);
    if (max_extended >= 0x80000004) {
        unsigned int words[12];
        for (unsigned int i = 0; i < 3; i++) {
            __cpuid(0x80000002 + i, words[4 * i], words[4 * i + 1], words[4 * i + 2], words[4 * i + 3]);
        }
        _Static_assert(sizeof words < sizeof cpu->brand, "brand buffer must hold 48 bytes and a NUL");
        memcpy(cpu->brand, words, sizeof words);
        pl_blas_trim(cpu->brand);
    }
}
#else
static void pl_blas_cpu_read(pl_blas_cpu *cpu) { memset(cpu, 0, sizeof *cpu); }
#endif

static pl_blas_cpu pl_blas_cpu_cached;
static pthread_once_t pl_blas_cpu_once = PTHREAD_ONCE_INIT;

static void pl_blas_cpu_fill(void) { pl_blas_cpu_read(&pl_blas_cpu_cached); }

void pl_blas_cpu_detect(pl_blas_cpu *cpu) {
    pthread_once(&pl_blas_cpu_once, pl_blas_cpu_fill);
    *cpu = pl_blas_cpu_cached;
}

int pl_blas_cpu_isa(const pl_blas_cpu *cpu) {
    if (cpu->avx512f && cpu->avx512dq && cpu->avx512cd && cpu->avx512bw && cpu->avx512vl) return PL_BLAS_ISA_AVX512;
    if (cpu->avx2 && cpu->fma) return PL_BLAS_ISA_AVX2;
    if (cpu->avx) return PL_BLAS_ISA_AVX;
#if defined(__x86_64__)
    return PL_BLAS_ISA_SSE;
#else
    return PL_BLAS_ISA_UNKNOWN;
#endif
}

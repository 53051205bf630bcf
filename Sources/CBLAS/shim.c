// CBLAS shim: load OpenBLAS on first use with the kernels this CPU should run, and forward PEFTLab's calls to it.
#define _GNU_SOURCE
#include <dlfcn.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "CBLAS.h"

#define PL_BLAS_CORETYPE "OPENBLAS_CORETYPE"
/// Optional: the OpenBLAS file (path or soname) to load instead of the candidates below.
#define PL_BLAS_LIBRARY "PEFTLAB_OPENBLAS"
/// Test only: never set OPENBLAS_CORETYPE (OpenBLAS's own detection decides, as before PEFTLab chose cores).
#define PL_BLAS_NO_AUTOSELECT "PEFTLAB_TEST_BLAS_NO_AUTOSELECT"
/// Test only: what OpenBLAS would pick by itself on a CPU it does not know (e.g. Prescott), to emulate that case.
#define PL_BLAS_TEST_DEFAULT "PEFTLAB_TEST_BLAS_DEFAULT_CORE"

/// Sonames tried in order (the dynamic linker's search path applies, so LD_LIBRARY_PATH can point elsewhere).
static const char *const pl_blas_candidates[] = {
#if defined(__APPLE__)
    "libopenblas.dylib", "/opt/homebrew/opt/openblas/lib/libopenblas.dylib",
    "/usr/local/opt/openblas/lib/libopenblas.dylib",
#else
    "libopenblas.so.0", "libopenblas.so",
#endif
};

typedef void (*pl_blas_sgemm_fn)(CBLAS_ORDER, CBLAS_TRANSPOSE, CBLAS_TRANSPOSE, blasint, blasint, blasint, float,
                                 const float *, blasint, const float *, blasint, float, float *, blasint);
typedef void (*pl_blas_set_threads_fn)(int);
typedef int (*pl_blas_get_int_fn)(void);
typedef char *(*pl_blas_get_text_fn)(void);

static pl_blas_sgemm_fn pl_blas_sgemm_ptr;
static pl_blas_set_threads_fn pl_blas_set_threads_ptr;
static pl_blas_get_int_fn pl_blas_get_threads_ptr;

static pl_blas_status pl_blas_state;
static pthread_once_t pl_blas_once = PTHREAD_ONCE_INIT;

static void pl_blas_copy(char *dst, size_t capacity, const char *src) {
    snprintf(dst, capacity, "%s", src ? src : "");
}

static int pl_blas_flag(const char *name) {
    const char *value = getenv(name);
    return value != NULL && value[0] != 0 && strcmp(value, "0") != 0;
}

/// Opens the first candidate that loads (only $PEFTLAB_OPENBLAS when set), collecting each failure's dlerror().
static void *pl_blas_open(pl_blas_status *s) {
    const char *chosen = getenv(PL_BLAS_LIBRARY);
    int own = chosen != NULL && chosen[0] != 0;
    size_t count = own ? 1 : sizeof pl_blas_candidates / sizeof pl_blas_candidates[0];
    size_t used = (size_t)snprintf(s->message, sizeof s->message, "cannot load OpenBLAS%s:",
                                   own ? " from $" PL_BLAS_LIBRARY : "");
    for (size_t i = 0; i < count; i++) {
        const char *name = own ? chosen : pl_blas_candidates[i];
        void *handle = dlopen(name, RTLD_NOW | RTLD_LOCAL);
        if (handle != NULL) {
            s->message[0] = 0;
            return handle;
        }
        const char *why = dlerror();
        if (used < sizeof s->message) {
            used += (size_t)snprintf(s->message + used, sizeof s->message - used, "%s %s", i == 0 ? "" : ";",
                                     why ? why : name);
        }
    }
    if (used < sizeof s->message) {
        snprintf(s->message + used, sizeof s->message - used,
                 ". PEFTLab needs OpenBLAS at run time: install it (Debian/Ubuntu: apt-get install libopenblas0, "
                 "or `make setup`), or put its directory on LD_LIBRARY_PATH.");
    }
    return NULL;
}

/// Whether OpenBLAS is in the process already: 2 if linked into the program (its symbols are global), 1 if opened
/// by someone else under one of the names this loader would open, 0 if not.
static int pl_blas_already_loaded(void) {
    if (dlsym(RTLD_DEFAULT, "openblas_get_config") != NULL) return 2;
    const char *chosen = getenv(PL_BLAS_LIBRARY);
    int own = chosen != NULL && chosen[0] != 0;
    size_t count = own ? 1 : sizeof pl_blas_candidates / sizeof pl_blas_candidates[0];
    for (size_t i = 0; i < count; i++) {
        void *handle = dlopen(own ? chosen : pl_blas_candidates[i], RTLD_NOW | RTLD_NOLOAD);
        if (handle != NULL) {
            dlclose(handle);
            return 1;
        }
    }
    return 0;
}

static void *pl_blas_symbol(pl_blas_status *s, void *handle, const char *name) {
    void *symbol = dlsym(handle, name);
    if (symbol == NULL && s->status == PL_BLAS_OK) {
        s->status = PL_BLAS_MISSING_SYMBOL;
        snprintf(s->message, sizeof s->message, "%s has no function %s: it is not an OpenBLAS PEFTLab can use.",
                 s->library[0] ? s->library : "the BLAS library", name);
    }
    return symbol;
}

static void pl_blas_load_once(void) {
    pl_blas_status *s = &pl_blas_state;
    memset(s, 0, sizeof *s);
    s->parallel = -1;

    pl_blas_cpu cpu;
    pl_blas_cpu_detect(&cpu);
    const char *user = getenv(PL_BLAS_CORETYPE);
    pl_blas_copy(s->user_core, sizeof s->user_core, user);
    // Already loaded by someone else: its kernels are chosen, nothing to set.
    int preloaded = pl_blas_already_loaded();
    pl_blas_core_plan plan = pl_blas_plan_core(&cpu, user, !pl_blas_flag(PL_BLAS_NO_AUTOSELECT),
                                               getenv(PL_BLAS_TEST_DEFAULT), preloaded);
    s->source = plan.source;
    if (plan.source == PL_BLAS_CORE_USER_REPLACED) {
        fprintf(stderr, "PEFTLab: OPENBLAS_CORETYPE=%s needs instructions this CPU (%s) lacks and would crash; "
                        "loading OpenBLAS with %s instead.\n",
                s->user_core, cpu.brand[0] ? cpu.brand : cpu.vendor, plan.core ? plan.core : "its own choice");
    }

    // OpenBLAS reads OPENBLAS_CORETYPE only while it loads: set it around dlopen, then put the user's value back
    // so child processes decide for themselves.
    int touch = plan.core != NULL || plan.source == PL_BLAS_CORE_USER_REPLACED;
    if (plan.core != NULL) {
        setenv(PL_BLAS_CORETYPE, plan.core, 1);
    } else if (touch) {
        unsetenv(PL_BLAS_CORETYPE);
    }
    pl_blas_copy(s->requested_core, sizeof s->requested_core, preloaded ? "" : getenv(PL_BLAS_CORETYPE));
    // RTLD_DEFAULT is NULL on glibc: keep "found" apart from the handle.
    void *handle = preloaded == 2 ? RTLD_DEFAULT : pl_blas_open(s);
    int found = preloaded == 2 || handle != NULL;
    if (touch) {
        if (s->user_core[0] != 0) {
            setenv(PL_BLAS_CORETYPE, s->user_core, 1);
        } else {
            unsetenv(PL_BLAS_CORETYPE);
        }
    }
    if (!found) {
        s->status = PL_BLAS_NOT_FOUND;
        return;
    }

    pl_blas_sgemm_ptr = (pl_blas_sgemm_fn)pl_blas_symbol(s, handle, "cblas_sgemm");
    Dl_info where;
    char resolved[PATH_MAX];
    if (pl_blas_sgemm_ptr != NULL && dladdr((void *)pl_blas_sgemm_ptr, &where) != 0 && where.dli_fname != NULL) {
        pl_blas_copy(s->library, sizeof s->library,
                     realpath(where.dli_fname, resolved) != NULL ? resolved : where.dli_fname);
    }
    pl_blas_set_threads_ptr = (pl_blas_set_threads_fn)pl_blas_symbol(s, handle, "openblas_set_num_threads");
    pl_blas_get_threads_ptr = (pl_blas_get_int_fn)pl_blas_symbol(s, handle, "openblas_get_num_threads");
    pl_blas_get_text_fn config = (pl_blas_get_text_fn)pl_blas_symbol(s, handle, "openblas_get_config");
    pl_blas_get_text_fn corename = (pl_blas_get_text_fn)pl_blas_symbol(s, handle, "openblas_get_corename");
    pl_blas_get_int_fn parallel = (pl_blas_get_int_fn)dlsym(handle, "openblas_get_parallel");
    if (s->status != PL_BLAS_OK) return;

    pl_blas_copy(s->config, sizeof s->config, config());
    pl_blas_copy(s->core, sizeof s->core, corename());
    s->parallel = parallel ? parallel() : -1;
    if (strstr(s->config, "USE64BITINT") != NULL) {
        s->status = PL_BLAS_UNSUPPORTED;
        snprintf(s->message, sizeof s->message,
                 "%s is built with 64-bit integers (%s); PEFTLab calls the 32-bit-integer interface "
                 "(libopenblas.so.0).", s->library, s->config);
    }
}

int pl_blas_load(pl_blas_status *out) {
    pthread_once(&pl_blas_once, pl_blas_load_once);
    *out = pl_blas_state;
    return out->status;
}

/// The hot path: one pthread_once check, then the library. Ops cannot throw, so a missing library ends the process
/// here with the reason on stderr (callers that can report errors call pl_blas_load first).
static inline void pl_blas_require(void) {
    pthread_once(&pl_blas_once, pl_blas_load_once);
    if (__builtin_expect(pl_blas_state.status != PL_BLAS_OK, 0)) {
        fprintf(stderr, "PEFTLab: %s\n", pl_blas_state.message);
        fflush(stderr);
        abort();
    }
}

void pl_blas_sgemm(CBLAS_ORDER order, CBLAS_TRANSPOSE trans_a, CBLAS_TRANSPOSE trans_b, blasint m, blasint n,
                   blasint k, float alpha, const float *a, blasint lda, const float *b, blasint ldb, float beta,
                   float *c, blasint ldc) {
    pl_blas_require();
    pl_blas_sgemm_ptr(order, trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

void pl_blas_set_num_threads(int count) {
    pl_blas_require();
    pl_blas_set_threads_ptr(count);
}

int pl_blas_get_num_threads(void) {
    pl_blas_require();
    return pl_blas_get_threads_ptr();
}

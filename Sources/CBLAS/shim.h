// CBLAS: OpenBLAS's C interface (cblas_sgemm and friends, openblas_set_num_threads).
// Header search path comes from `pkg-config --cflags openblas` (Debian: libopenblas-dev).
#include <cblas.h>

"""Peer for `peftlab bench gemm`: numpy's float32 matmul (its own bundled OpenBLAS) at the same shapes, 2 threads.

Run both in one session and compare GFLOP/s (both report the best of the repeats):

    OPENBLAS_NUM_THREADS=2 python3 scripts/bench/numpy_sgemm.py
    .build/release/peftlab bench gemm --threads 2 --repeats 11

Set OPENBLAS_VERBOSE=2 to see the core numpy's OpenBLAS runs ("Core: Haswell"); the config line below names its build.
"""
import os
import sys
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "2")
import numpy as np  # noqa: E402  (after the thread count is set)

repeats = int(sys.argv[1]) if len(sys.argv) > 1 else 11
config = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
print(f"numpy {np.__version__}, {config.get('name')} {config.get('version')}: "
      f"{' '.join(str(config.get('openblas configuration', '')).split())}, threads {os.environ['OPENBLAS_NUM_THREADS']}")
rng = np.random.default_rng(1)
for m, k, n in [(512, 512, 512), (1600, 768, 3072), (1600, 3072, 768), (1600, 768, 768)]:
    a = rng.standard_normal((m, k), dtype=np.float32)
    b = rng.standard_normal((k, n), dtype=np.float32)
    c = np.empty((m, n), dtype=np.float32)
    np.matmul(a, b, out=c)
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        np.matmul(a, b, out=c)
        best = min(best, time.perf_counter() - start)
    print(f"numpy {m}x{k} @ {k}x{n}  {best * 1000:8.2f} ms  {2 * m * k * n / best * 1e-9:6.1f} GFLOP/s")

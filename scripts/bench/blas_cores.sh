#!/usr/bin/env bash
# Issue 16's measurement, in interleaved rounds on one machine: sgemm at the ViT-B/32 shapes, 2 threads, for
#   numpy (its own OpenBLAS), PEFTLab as shipped (core chosen from CPUID), and PEFTLab with OpenBLAS's
#   misdetection emulated (Prescott, PEFTLab's selection off: the bug). Build first: make build.
# Usage: scripts/bench/blas_cores.sh [rounds] [repeats]
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=${BIN:-.build/release/peftlab}
ROUNDS=${1:-3}
REPEATS=${2:-7}
for round in $(seq "$ROUNDS"); do
  echo "# round $round, load average $(cut -d' ' -f1-3 /proc/loadavg)"
  OPENBLAS_NUM_THREADS=2 python3 scripts/bench/numpy_sgemm.py "$REPEATS"
  echo "## peftlab, emulated misdetection (PEFTLAB_TEST_BLAS_DEFAULT_CORE=Prescott), selection on: the fix"
  PEFTLAB_TEST_BLAS_DEFAULT_CORE=Prescott "$BIN" bench gemm --threads 2 --repeats "$REPEATS"
  echo "## peftlab, emulated misdetection, selection off (PEFTLAB_TEST_BLAS_NO_AUTOSELECT=1): the bug"
  PEFTLAB_TEST_BLAS_NO_AUTOSELECT=1 PEFTLAB_TEST_BLAS_DEFAULT_CORE=Prescott "$BIN" bench gemm --threads 2 \
    --repeats "$REPEATS" 2>&1
done

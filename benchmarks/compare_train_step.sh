#!/usr/bin/env bash
# PEFTLab's `bench train` against benchmarks/torch_train_step.py, method by method, alternating, in one run.
# Usage: benchmarks/compare_train_step.sh [ROUNDS] > results.jsonl   (release build first: make build)
# Needs /work/venv (see scripts/reference/README.md). Run on a quiet machine: both sides use 2 threads.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-2}
py=${PYTHON:-/work/venv/bin/python}
bin=.build/release/peftlab
OPENBLAS_VERBOSE=0 $bin version >&2
for round in $(seq 1 "$rounds"); do
  for method in lora lora-upper4 adapters-upper linear-probe; do
    echo "{\"round\":$round,\"side\":\"peftlab\",\"result\":$($bin bench train --method "$method" --threads 2 --json)}"
    echo "{\"round\":$round,\"side\":\"torch\",\"result\":$($py benchmarks/torch_train_step.py --method "$method" --threads 2 --json)}"
  done
  echo "{\"round\":$round,\"side\":\"peftlab\",\"result\":$($bin bench train --method adapters-upper --tweet-lengths --steps 31 --threads 2 --json)}"
  echo "{\"round\":$round,\"side\":\"torch\",\"result\":$($py benchmarks/torch_train_step.py --tweet-epoch --threads 2 --json)}"
done

#!/usr/bin/env bash
# Faults at scale: worker processes on a 24-run grid, kill -9 at random moments (and, on PostgreSQL, one worker's
# connection cut and one server restart); then every run must have succeeded exactly once and equal an uninterrupted
# reference bit for bit (Tests/PEFTCLITests/ScaleKillTest.swift). `make test` runs it with 20 kills on each backend.
#   scripts/kill-test.sh [--backend sqlite|postgres] [--processes 4] [--threads 2] [--kills 200]
set -euo pipefail
cd "$(dirname "$0")/.."
backend=sqlite processes=4 threads=2 kills=200
while [ $# -gt 0 ]; do
  case "$1" in
    --backend) backend=$2; shift 2 ;;
    --processes) processes=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --kills) kills=$2; shift 2 ;;
    *) echo "kill-test: unknown option $1 (see the header of $0)" >&2; exit 2 ;;
  esac
done
export PEFTLAB_KILL_PROCESSES=$processes PEFTLAB_KILL_THREADS=$threads PEFTLAB_KILLS=$kills
swift build -c release -Xswiftc -enable-testing --build-tests
run=(swift test -c release -Xswiftc -enable-testing --skip-build --filter ScaleKillTest)
case "$backend" in
  sqlite) unset PEFTLAB_TEST_POSTGRES; "${run[@]}" ;;
  postgres) ./scripts/with-postgres.sh "${run[@]}" ;;
  *) echo "kill-test: --backend is sqlite or postgres" >&2; exit 2 ;;
esac

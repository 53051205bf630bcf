#!/usr/bin/env bash
# The orchestrator's crash test, runnable by a reader: 2 worker processes × 2 threads train a 12-run grid while a
# worker is killed with SIGKILL at random moments 20+ times and restarted; then every run must have succeeded
# exactly once, with no missing or duplicated metric steps, and parameters and metrics bit-identical to an
# uninterrupted reference run. (Tests/PEFTCLITests/KillTest.swift holds the harness and the assertions.)
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release -Xswiftc -enable-testing --build-tests
swift test -c release -Xswiftc -enable-testing --skip-build --filter KillTest

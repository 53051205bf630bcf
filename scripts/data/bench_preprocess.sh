#!/usr/bin/env bash
# Decode + CLIP preprocessing throughput of PEFTLab and of Pillow + CLIPImageProcessor on the same files, in one run.
#
#   scripts/data/bench_preprocess.sh [IMAGE_DIR] [THREADS]
#
# Without IMAGE_DIR it generates the built-in sarcasm dataset (400 images, 64-200 px) into a temporary directory.
# Needs a release build of peftlab (PEFTLAB=path/to/peftlab to override) and a Python with pillow, numpy and
# transformers (PYTHON=..., default /work/venv-data/bin/python, then python3).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
peftlab="${PEFTLAB:-$root/.build/release/peftlab}"
python="${PYTHON:-/work/venv-data/bin/python}"
[ -x "$python" ] || python=python3
threads="${2:-2}"
dir="${1:-}"
if [ -z "$dir" ]; then
    tmp="$(mktemp -d)"
    trap 'rm -rf "$tmp"' EXIT
    "$peftlab" datasets make sarcasm --out "$tmp/sarcasm" --seed 1 >/dev/null
    dir="$tmp/sarcasm/images"
fi
echo "files: $dir ($(ls "$dir" | wc -l) images), $threads threads/processes, $(nproc) cores"
"$peftlab" preprocess --bench --threads "$threads" "$dir"
"$python" "$root/scripts/data/bench_pillow.py" --workers "$threads" "$dir"
"$peftlab" preprocess --bench --fast-decode --threads "$threads" "$dir" | head -1

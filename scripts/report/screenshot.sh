#!/usr/bin/env bash
# Renders PEFTLab's HTML report in a real headless browser and writes a PNG screenshot to look at (not run by CI).
#
#   scripts/report/screenshot.sh [DB] [OUT.png] [-- extra `peftlab report` options]
#
# DB defaults to ./peftlab-quickstart/peftlab.db (what `make quickstart` writes); OUT to ./peftlab-report.png.
# A file ending in .html instead of a database is screenshotted as it is (e.g. the golden
# Tests/PEFTReportsTests/Fixtures/report.html). Needs Debian's `chromium` (apt-get install chromium) and a built
# peftlab (.build/release/peftlab, or $PEFTLAB).
set -euo pipefail
cd "$(dirname "$0")/../.."
db=${1:-peftlab-quickstart/peftlab.db}
png=${2:-peftlab-report.png}
shift $(( $# > 2 ? 2 : $# )) || true
[ "${1:-}" = "--" ] && shift
browser=$(command -v chromium || command -v chromium-browser || true)
[ -n "$browser" ] || { echo "chromium not found: apt-get install chromium" >&2; exit 1; }
if [[ "$db" == *.html ]]; then
  html=$(realpath "$db")
else
  peftlab=${PEFTLAB:-.build/release/peftlab}
  html=$(mktemp --suffix=.html)
  "$peftlab" report --db "$db" --format html --out "$html" "$@"
fi
"$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1600,1400 \
  --screenshot="$(realpath -m "$png")" "file://$html" 2>/dev/null
echo "wrote $png (from $html)"

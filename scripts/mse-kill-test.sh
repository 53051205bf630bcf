#!/usr/bin/env bash
# kill -9 mid-grid for experiments/mse_adapter_sentiment.yaml: the grid is queued into two fresh databases; one is
# trained uninterrupted, the other by `peftlab work` processes killed with SIGKILL at random moments KILLS times
# (default 6) and restarted. Then every run must have succeeded, and every metric value (17 significant digits)
# and every run's last checkpoint must be byte-identical between the two.
#
# Needs a release build and the quickstart's backbone and LM: `make quickstart` and
# `peftlab lm pretrain --out peftlab-quickstart/lm --steps 1500`. Usage: scripts/mse-kill-test.sh [KILLS]
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
peftlab="$root/.build/release/peftlab"
kills=${1:-6}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
ln -s "$root/peftlab-quickstart" "$work/peftlab-quickstart"
cd "$work"
for db in reference killed; do
  "$peftlab" datasets make sentiment --out "data-$db" --ingest --db "$db.db" > /dev/null
  "$peftlab" queue --db "$db.db" "$root/experiments/mse_adapter_sentiment.yaml"
done
"$peftlab" work --db reference.db --threads 2 > /dev/null 2>&1
for i in $(seq 1 "$kills"); do
  "$peftlab" work --db killed.db --threads 2 --lease-seconds 1 > /dev/null 2>&1 &
  pid=$!
  sleep "$(awk -v s=$RANDOM 'BEGIN { srand(s); printf "%.2f", 3 + 6 * rand() }')"
  kill -9 "$pid" 2> /dev/null || true
  wait "$pid" 2> /dev/null || true
  echo "kill $i: $("$peftlab" sql --db killed.db --csv "SELECT COUNT(*) FROM runs WHERE state = 'succeeded'" | tail -1) runs done"
done
sleep 1.5
"$peftlab" work --db killed.db --threads 2 > /dev/null 2>&1
dump() {
  "$peftlab" sql --db "$1" --csv "SELECT r.config_hash, r.state, m.split, m.name, m.step, printf('%.17g', m.value)
    FROM runs r LEFT JOIN metrics m ON m.run_id = r.id ORDER BY 1, 3, 4, 5"
  "$peftlab" sql --db "$1" --csv "SELECT r.config_hash, hex(c.parameters) FROM runs r JOIN checkpoints c ON c.run_id = r.id
    WHERE c.step = (SELECT MAX(step) FROM checkpoints WHERE run_id = r.id) ORDER BY 1" | sha256sum
}
dump reference.db > reference.txt
dump killed.db > killed.txt
attempts=$("$peftlab" sql --db killed.db --csv "SELECT COUNT(*) FROM attempts" | tail -1)
states=$("$peftlab" sql --db killed.db --csv "SELECT state, COUNT(*) FROM runs GROUP BY state" | tail -n +2 | tr '\n' ' ')
if diff -q reference.txt killed.txt > /dev/null; then
  echo "OK: $kills kills, $attempts attempts, runs: $states; metrics and last checkpoints bitwise equal"
else
  echo "MISMATCH after $kills kills ($attempts attempts, runs: $states):"; diff reference.txt killed.txt | head -20; exit 1
fi

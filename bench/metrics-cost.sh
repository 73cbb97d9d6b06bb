#!/usr/bin/env bash
# What metrics cost: scenario 1 (fan-out, 1,000 subscribers, 2,000 events) on one in-memory node,
# with metrics on and with `--metrics off` (CHORUS_METRICS=off), in interleaved (ABBA) runs of the same
# release build (bench/ab.sh), then the median of each. Loopback only; every run stops by itself.
#
#   bench/metrics-cost.sh BINDIR [RUNS] [PORT]     # BINDIR holds chorus and chorus-bench (release)
set -euo pipefail
BIN=${1:?usage: bench/metrics-cost.sh BINDIR [RUNS] [PORT]}; RUNS=${2:-3}; PORT=${3:-18480}
export OUT=${OUT:-/tmp/chorus-metrics-cost}
mkdir -p "$OUT"; : > "$OUT/summary.txt"
here=$(dirname "$0")
# ABBA order (on off, off on, …), so that neither side always runs right after the other.
for run in $(seq "$RUNS"); do
    order=(on off); [ $((run % 2)) -eq 0 ] && order=(off on)
    for setting in "${order[@]}"; do
        CHORUS_METRICS=$setting "$here/ab.sh" "$BIN" "metrics-$setting-$run" "$PORT" s1
    done
done
python3 - "$OUT/summary.txt" <<'PY'
import re, statistics, sys
rows = {"on": [], "off": []}
for line in open(sys.argv[1]):
    m = re.match(r"metrics-(on|off)-\d+ s1 .*deliveries/s=(\d+) .*p50=([\d.]+) p99=([\d.]+) .*node_cpu=([\d.]+)s", line)
    if m:
        rows[m[1]].append(tuple(float(x) for x in m.groups()[1:]))
for key in ("on", "off"):
    if not rows[key]:
        print(f"metrics {key}: no successful run"); continue
    cols = list(zip(*rows[key]))
    med = [statistics.median(c) for c in cols]
    print(f"metrics {key}: runs={len(rows[key])} median deliveries/s={med[0]:.0f} p50={med[1]:.1f} ms p99={med[2]:.1f} ms node_cpu={med[3]:.2f} s"
          f"  (deliveries/s {min(cols[0]):.0f}–{max(cols[0]):.0f})")
PY

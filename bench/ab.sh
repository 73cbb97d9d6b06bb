#!/usr/bin/env bash
# A/B of one Chorus build on a single in-memory node (no Redis, no nginx): what an optimisation
# bought, measured with the same chorus-bench flags as the matrix. Interleave runs of the builds
# being compared; the machine's load is printed with every line.
#
#   bench/ab.sh BINDIR LABEL PORT s1 s3 s4 s5     # BINDIR holds chorus and chorus-bench (release)
#
# s1 fan-out (1,000 subs, 2,000 events), s2 wide (10,000 subs, 300 events), s3 many scopes
# (1,000 × 10 subs, 20,000 events), s3x1 the same with 1 sub per scope (the publish path's own
# cost), s4 latency (1,000 subs, 100 events/s), s5 RSS per idle
# connection (5,000). Results append to $OUT/summary.txt (default /tmp/chorus-ab). Loopback only;
# stops the node it started, by PID.
set -euo pipefail
BIN=${1:?usage: bench/ab.sh BINDIR LABEL PORT SCENARIO...}; LABEL=${2:?label}; PORT=${3:?port}; shift 3
OUT=${OUT:-/tmp/chorus-ab}
mkdir -p "$OUT"
ulimit -n 20000 2>/dev/null || ulimit -n "$(ulimit -Hn)"
"$BIN/chorus" serve --host 127.0.0.1 --port "$PORT" --queue-size 4096 --max-connections 15000 --heartbeat 15s --log-level warning > "$OUT/$LABEL-node.log" 2>&1 &
NODE=$!
trap 'kill "$NODE" 2>/dev/null; wait "$NODE" 2>/dev/null || true' EXIT
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.1; done
URLS=(--subscribe-url "http://127.0.0.1:$PORT/events?scope={scope}" --publish-url "http://127.0.0.1:$PORT/publish" --publish-format chorus-json)
rss() { awk '/^VmRSS:/ {print $2}' "/proc/$NODE/status"; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$NODE/stat"; }
for scenario in "$@"; do
    load=$(cut -d' ' -f1-3 /proc/loadavg)
    case $scenario in
        s1) args=(-n 1000 --scopes 1 -e 2000 --payload 64 --publishers 8) ;;
        s2) args=(-n 10000 --scopes 1 -e 300 --payload 64 --publishers 8 --drain-timeout 30) ;;
        s3) args=(-n 10000 --scopes 1000 -e 20000 --payload 64 --publishers 8 --drain-timeout 30) ;;
        s3x1) args=(-n 1000 --scopes 1000 -e 20000 --payload 64 --publishers 8 --drain-timeout 30) ;;
        s4) args=(-n 1000 --scopes 1 -e 1000 --rate 100 --payload 64 --publishers 4) ;;
        s5)
            before=$(rss); ready="$OUT/$LABEL-ready"; rm -f "$ready"
            timeout 120 "$BIN/chorus-bench" "${URLS[@]}" -n 5000 -e 0 --hold 12 --ready-file "$ready" --json --no-progress > /dev/null 2>&1 &
            tool=$!
            for _ in $(seq 600); do [ -f "$ready" ] && break; sleep 0.1; done
            sleep 4
            after=$(rss); connections=$(cut -d' ' -f2 "$ready"); wait "$tool" || true
            echo "$LABEL s5 load=[$load] rss $before -> $after kB for $connections connections: $(python3 -c "print(round(($after - $before) / $connections, 2))") kB each" | tee -a "$OUT/summary.txt"
            continue ;;
        *) echo "unknown scenario $scenario" >&2; exit 2 ;;
    esac
    c0=$(cpu_ticks)
    timeout 300 "$BIN/chorus-bench" "${URLS[@]}" "${args[@]}" --json --no-progress > "$OUT/$LABEL-$scenario.json" 2> "$OUT/$LABEL-$scenario.err" || true
    c1=$(cpu_ticks)
    python3 - "$OUT/$LABEL-$scenario.json" "$LABEL" "$scenario" "$load" $((c1 - c0)) <<'PY' | tee -a "$OUT/summary.txt"
import json, sys
path, label, scenario, load, ticks = sys.argv[1:]
try:
    result = json.loads(open(path).read().strip().splitlines()[-1])
except Exception as error:
    print(label, scenario, "failed:", error)
    sys.exit()
latency = result.get("latencyMs") or {}
print(f"{label} {scenario} load=[{load}] deliveries/s={result.get('deliveriesPerSecond', 0):.0f} lost={result.get('lostDeliveries')} "
      f"p50={latency.get('p50')} p99={latency.get('p99')} max={latency.get('max')} node_cpu={int(ticks) / 100:.2f}s")
PY
done

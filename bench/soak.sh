#!/usr/bin/env bash
# The soak: a real redis-server and 2 `chorus` nodes on loopback, steady publishing and stream
# churn (normal closes, resets before and after the response head, slow readers, replays) for the
# whole run, sampling each node's RSS, open file descriptors and Hub connections every few
# seconds. Fails if any of them trends upward after warm-up (bench/soak_check.py says how).
#
#   bench/soak.sh                  # 30 minutes
#   bench/soak.sh --minutes 2      # what CI runs
#   bench/soak.sh --minutes 30 --plot   # and bench/soak.png (installs matplotlib if missing)
#   CHORUS_BIN=.build/release/chorus bench/soak.sh   # a given binary (default: debug build)
#
# Options passed on to the load (bench/soak_load.py): --rate N (events/s, default 50),
# --churn N (concurrent churning clients, default 24), --without BEHAVIOUR (calibration).
#
# Writes bench/results/soak-<minutes>m-<UTC time>.csv. Everything listens on 127.0.0.1 only,
# the load stops by itself at the deadline, and the script stops exactly the processes it
# started (by PID) however it ends.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"

minutes=30
plot=false
load_options=()
while (($#)); do
    case "$1" in
        --minutes) minutes="$2"; shift 2 ;;
        --plot) plot=true; shift ;;
        --rate|--churn|--without) load_options+=("$1" "$2"); shift 2 ;;
        -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
        *) echo "soak: unknown option $1 (see --help)" >&2; exit 64 ;;
    esac
done
if ! [[ "$minutes" =~ ^[0-9]+([.][0-9]+)?$ ]] || ! python3 -c "import sys; sys.exit(not 0.5 <= float(sys.argv[1]) <= 24 * 60)" "$minutes"; then
    echo "soak: --minutes must be a number from 0.5 to 1440, not '$minutes'" >&2
    exit 64
fi
seconds=$(python3 -c "import sys; print(round(float(sys.argv[1]) * 60))" "$minutes")
# Samples: every 5 s, or often enough for ~24 samples in a short run.
interval=$(python3 -c "import sys; print(max(1, min(5, int(sys.argv[1]) // 24)))" "$seconds")

bin="${CHORUS_BIN:-}"
if [[ -z "$bin" ]]; then
    nice -n 10 swift build --product chorus
    bin="$(swift build --show-bin-path)/chorus"
fi
command -v redis-server >/dev/null || { echo "soak: redis-server is missing (scripts/bootstrap.sh installs it)" >&2; exit 1; }
if $plot && ! python3 -c 'import matplotlib' 2>/dev/null; then
    echo "soak: installing matplotlib from PyPI for the plot"
    python3 -m pip install --quiet --root-user-action=ignore 'matplotlib>=3.8,<4'
fi

work=$(mktemp -d /tmp/chorus-soak.XXXXXX)
pids=()
cleanup() {  # only what this script started, by PID, the last started first (load, nodes, redis)
    local i pid
    for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
        pid=${pids[i]}
        kill -0 "$pid" 2>/dev/null || continue
        kill -TERM "$pid" 2>/dev/null || true
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null || true
    done
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_ready() {  # port, what
    python3 - "$1" "$2" <<'PY'
import sys, time, urllib.request
deadline = time.monotonic() + 30
while True:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/readyz", timeout=1) as response:
            if response.status == 200:
                break
    except OSError:
        pass
    if time.monotonic() > deadline:
        sys.exit(f"soak: {sys.argv[2]} did not get ready within 30 s")
    time.sleep(0.2)
PY
}

redis_port=$(free_port)
redis-server --bind 127.0.0.1 --port "$redis_port" --save '' --appendonly no --dir "$work" \
    --logfile "$work/redis.log" --daemonize no &
pids+=($!)
redis_pid=$!
for _ in $(seq 50); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break; sleep 0.1; done

key="soak-publisher-$(python3 -c 'import secrets; print(secrets.token_hex(12))')"
node_specs=()
for name in a b; do
    port=$(free_port)
    # --history 2000: 40 s of events at 50/s, so the history is full (and constant) well within
    # warm-up; --queue-size 128 so slow readers are cut off within their stall.
    "$bin" serve --host 127.0.0.1 --port "$port" --node-id "soak-$name" \
        --redis "redis://127.0.0.1:$redis_port" --redis-prefix "soak" --history 2000 \
        --publisher-key "$key" --heartbeat 2s --retry 1s --queue-size 128 --max-connections 5000 \
        --log-level warning --drain-delay 0 --drain-window 0 >"$work/node-$name.log" 2>&1 &
    pids+=($!)
    node_specs+=(--node "127.0.0.1:$port:$!")
    wait_ready "$port" "node $name"
done

mkdir -p bench/results
csv="bench/results/soak-${minutes}m-$(date -u +%Y%m%d-%H%M%S).csv"
echo "soak: ${minutes} min, redis-server pid $redis_pid, nodes ${node_specs[*]}, samples every ${interval}s -> $csv"
status=0
timeout --kill-after=10 $((seconds + 60)) python3 bench/soak_load.py "${node_specs[@]}" --redis-pid "$redis_pid" \
    --key "$key" --seconds "$seconds" --interval "$interval" --history-seconds 35 --csv "$csv" "${load_options[@]+"${load_options[@]}"}" &
pids+=($!)
wait "${pids[-1]}" || status=$?
for name in a b; do
    if grep -qiE 'fatal|crash|error' "$work/node-$name.log"; then
        echo "soak: node $name logged errors (last lines):"
        grep -iE 'fatal|crash|error' "$work/node-$name.log" | tail -n 5
    fi
done
plot_options=()
if $plot; then plot_options=(--plot bench/soak.png); fi
python3 bench/soak_check.py "$csv" "${plot_options[@]+"${plot_options[@]}"}" || status=1
if ((status != 0)); then
    echo "soak: FAILED" >&2
    exit 1
fi
echo "soak: passed"

#!/usr/bin/env bash
# Runs the benchmark matrix for Chorus and Nchan with the same load tool (chorus-bench), each
# scenario REPEAT times per system, then regenerates BENCHMARKS.md and bench/latency.png from the
# medians and ranges of the repetitions. A third system, `minimal` (bench/minimal_node.c: the least a
# node of this architecture must do, in C, with no product around it), runs scenarios 1 to 4 in the
# same topology with the same tool: where batching cannot help (scenarios 3 and 4), the floor any
# broadcaster stands on here, so that a goal it cannot reach either is shown out of reach.
#
#   bench/run-matrix.sh                      # every scenario, every system, 3 repetitions
#   REPEAT=5 bench/run-matrix.sh             # more repetitions
#   SCENARIOS="1 4" bench/run-matrix.sh      # a subset (1 fan-out, 2 wide, 3 scopes, 4 latency, 5 memory; 6 CPU rides on 1)
#   SYSTEMS=chorus bench/run-matrix.sh       # one system (default: chorus nchan minimal)
#   CHORUS_BIN=… BENCH_BIN=… bench/run-matrix.sh   # prebuilt release binaries instead of building
#
# Every run of a scenario gets a fresh system: 1 redis-server + 2 nodes on 127.0.0.1, publisher on
# node A, subscribers split over both nodes; it is stopped before the next run. Repetitions are the
# outer loop and the systems alternate within each (repetition 1: chorus s1, nchan s1, minimal s1,
# chorus s2, …; repetition 2: the reverse order), so drift on the machine hits all systems alike. Each run
# keeps its raw JSON as bench/results/<system>-<scenario>.r<N>.json; the selected scenarios' files
# from earlier runs are removed first. Everything listens on loopback only, every step is bounded
# by `timeout`, and the script stops exactly the processes it started (by PID), however it ends.
#
# With scenario 4, each repetition also runs the kernel's floor for its shape (bench/fanout_floor.c:
# write(2) to 1,000 loopback sockets from 4 threads, epoll readers, 100 events/s, 10 s; no server, no
# HTTP, no Redis) right after the systems, as bench/results/floor-s4-latency.r<N>.json: what no
# server can beat on the machine as it was at that moment.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BENCH_DIR=$ROOT/bench
RESULTS=$BENCH_DIR/results
SCENARIOS=${SCENARIOS:-"1 2 3 4 5"}
SYSTEMS=${SYSTEMS:-"chorus nchan minimal"}
REPEAT=${REPEAT:-3}
SCRATCH=${SCRATCH:-$ROOT/.build-bench}
STEP_TIMEOUT=${STEP_TIMEOUT:-300}
WORK=$(mktemp -d /tmp/chorus-matrix.XXXXXX)
STARTED_PIDS=()

log() { printf '[matrix %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "$*"; exit 2; }

[[ "$REPEAT" =~ ^[1-9][0-9]*$ ]] || die "REPEAT must be a positive integer, not '$REPEAT'"
for n in $SCENARIOS; do case $n in 1|2|3|4|5) ;; *) die "unknown scenario '$n' (1 to 5; 6 rides on 1)";; esac; done
for system in $SYSTEMS; do case $system in chorus|nchan|minimal) ;; *) die "unknown system '$system'";; esac; done

cleanup() {
    local pid
    for pid in "${STARTED_PIDS[@]:-}"; do
        [ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null || true
    done
    for pid in "${STARTED_PIDS[@]:-}"; do
        [ -z "$pid" ] && continue
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null || true
    done
    STARTED_PIDS=()
}
trap cleanup EXIT
trap 'log "interrupted"; exit 130' INT TERM

# ---------------------------------------------------------------- prerequisites
need_apt=()
command -v redis-server >/dev/null || need_apt+=(redis-server)
command -v nginx >/dev/null || need_apt+=(nginx)
[ -f /usr/lib/nginx/modules/ngx_nchan_module.so ] || need_apt+=(libnginx-mod-nchan)
command -v gcc >/dev/null || need_apt+=(gcc)
[ -f /usr/include/hiredis/hiredis.h ] || need_apt+=(libhiredis-dev)
if [ ${#need_apt[@]} -gt 0 ]; then
    log "installing ${need_apt[*]}"
    timeout 60 apt-cache policy "${need_apt[@]}" | grep -q Candidate || timeout 600 apt-get update
    DEBIAN_FRONTEND=noninteractive timeout 900 apt-get install -y "${need_apt[@]}"
fi
timeout 60 python3 -c 'import matplotlib' 2>/dev/null || { log "installing matplotlib"; timeout 600 pip install --quiet matplotlib; }

# ---------------------------------------------------------------- file descriptors
FD_WANTED=65536
FD_NOTE=""
ulimit -Hn "$FD_WANTED" 2>/dev/null || true
if ! ulimit -n "$(ulimit -Hn)" 2>/dev/null; then FD_NOTE="could not raise the soft limit"; fi
FD_LIMIT=$(ulimit -n)
if [ "$FD_LIMIT" -lt "$FD_WANTED" ]; then
    FD_NOTE="file-descriptor limit is $FD_LIMIT (wanted $FD_WANTED; the hard limit could not be raised here). Enough for 10,000 subscribers in one process, which is all the matrix needs."
    log "$FD_NOTE"
fi

# ---------------------------------------------------------------- build
if [ -n "${CHORUS_BIN:-}" ] && [ -n "${BENCH_BIN:-}" ]; then
    # Prebuilt binaries (e.g. while the work tree is mid-edit); the default builds from the tree.
    CHORUS=$CHORUS_BIN
    TOOL=$BENCH_BIN
    log "using prebuilt $CHORUS and $TOOL"
else
    log "building chorus and chorus-bench (release, scratch path $SCRATCH)"
    (cd "$ROOT" && timeout 1800 swift build -c release --scratch-path "$SCRATCH" --product chorus >"$WORK/build-chorus.log" 2>&1) \
        || { tail -30 "$WORK/build-chorus.log"; exit 1; }
    (cd "$ROOT" && timeout 1800 swift build -c release --scratch-path "$SCRATCH" --product chorus-bench >"$WORK/build-bench.log" 2>&1) \
        || { tail -30 "$WORK/build-bench.log"; exit 1; }
    BIN=$(cd "$ROOT" && timeout 300 swift build -c release --scratch-path "$SCRATCH" --show-bin-path)
    CHORUS=$BIN/chorus
    TOOL=$BIN/chorus-bench
fi
FLOOR=""
if [[ " $SCENARIOS " == *" 4 "* ]]; then
    if timeout 120 gcc -O2 -pthread -o "$WORK/fanout_floor" "$BENCH_DIR/fanout_floor.c" 2>"$WORK/build-floor.log"; then
        FLOOR=$WORK/fanout_floor
    else
        log "no floor for scenario 4: bench/fanout_floor.c did not compile ($(head -1 "$WORK/build-floor.log"))"
    fi
fi

MINIMAL=""
if [[ " $SYSTEMS " == *" minimal "* ]]; then
    timeout 120 gcc -O2 -pthread -o "$WORK/minimal_node" "$BENCH_DIR/minimal_node.c" -lhiredis 2>"$WORK/build-minimal.log" \
        || { cat "$WORK/build-minimal.log"; die "bench/minimal_node.c did not compile"; }
    MINIMAL=$WORK/minimal_node
fi

mkdir -p "$RESULTS"
export LOAD_AT_START RUN_STARTED CPU_AT_START
LOAD_AT_START=$(cut -d' ' -f1-3 /proc/loadavg)
# The "cpu" line of /proc/stat: its steal column is the time this virtual machine's cores were
# taken by the host while it wanted them (other guests): the machine's own noise, over the run.
CPU_AT_START=$(head -1 /proc/stat)
RUN_STARTED=$(date -u +%Y-%m-%dT%H:%M:%SZ)
MATRIX_T0=$SECONDS

# ---------------------------------------------------------------- helpers
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

wait_http() { # url, seconds
    local deadline=$((SECONDS + $2))
    until curl -fs -m 2 -o /dev/null "$1"; do
        [ $SECONDS -ge $deadline ] && { log "no answer from $1"; return 1; }
        sleep 0.2
    done
}

# The PIDs of a process and its children (nginx master + workers).
family() { echo "$1"; pgrep -P "$1" 2>/dev/null || true; }

# Sum of utime+stime clock ticks over the given PIDs.
cpu_ticks() {
    local total=0 pid fields
    for pid in "$@"; do
        [ -r "/proc/$pid/stat" ] || continue
        fields=$(sed 's/^.*) //' "/proc/$pid/stat")
        set -- $fields
        total=$((total + ${12} + ${13}))
    done
    echo "$total"
}

# Sum of VmRSS (kB) over the given PIDs.
rss_kb() {
    local total=0 pid value
    for pid in "$@"; do
        value=$(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)
        total=$((total + ${value:-0}))
    done
    echo "$total"
}

# Kernel memory of all TCP sockets of this network namespace, in pages ("TCP: … mem N" in
# /proc/net/sockstat). Socket buffers live there, not in any process's RSS. Every other TCP socket
# on the machine counts too, so it is kept in the raw results only; tcp_skmem below is what the
# report uses.
tcp_mem_pages() { awk '$1 == "TCP:" { for (i = 2; i < NF; i++) if ($i == "mem") print $(i + 1) }' /proc/net/sockstat; }

# "SOCKETS BYTES": the established TCP sockets whose local (sport) or remote (dport) port is one of
# the two given, and the kernel memory charged to them: per socket r (receive queue) + w (send
# queue) + f (forward-allocated) of `ss -m`, the same accounting that sockstat's "TCP: mem" sums.
tcp_skmem() { # sport|dport port port
    timeout 60 ss -tmnH state established "( $1 = :$2 or $1 = :$3 )" 2>/dev/null | awk '
        match($0, /skmem:\([^)]*\)/) {
            n = split(substr($0, RSTART + 6, RLENGTH - 7), field, ",")
            for (i = 1; i <= n; i++) if (field[i] ~ /^[rwf][0-9]/) bytes += substr(field[i], 2)
            sockets++
        }
        END { printf "%d %d\n", sockets, bytes }'
}

HZ=$(getconf CLK_TCK)
PAGE_SIZE=$(getconf PAGESIZE)

start_redis() { # port
    redis-server --bind 127.0.0.1 --port "$1" --save '' --appendonly no --protected-mode yes \
        >"$WORK/redis-$1.log" 2>&1 &
    STARTED_PIDS+=($!)
    REDIS_PID=$!
    for _ in $(seq 50); do timeout 2 redis-cli -p "$1" ping >/dev/null 2>&1 && return 0; sleep 0.1; done
    log "redis on $1 did not start"; return 1
}

PUBLISHER_KEY=""
# Starts a node on port $1, its output to $2, from the command that follows; sets NODE_PID once it
# answers /healthz.
launch_node() { # port log command...
    local port=$1 log=$2; shift 2
    "$@" >"$log" 2>&1 &
    STARTED_PIDS+=($!)
    NODE_PID=$!
    wait_http "http://127.0.0.1:$port/healthz" 30
}

start_chorus_node() { # port redis_port
    local args=(serve --host 127.0.0.1 --port "$1" --redis "redis://127.0.0.1:$2" --heartbeat 15s
                --max-connections 15000 --queue-size "${CHORUS_QUEUE_SIZE:-4096}" --log-level warning)
    [ -n "$PUBLISHER_KEY" ] && args+=(--publisher-key "$PUBLISHER_KEY")
    launch_node "$1" "$WORK/chorus-$1.log" "$CHORUS" "${args[@]}"
}

start_nchan_node() { # port redis_port
    local dir=$WORK/nginx-$1
    mkdir -p "$dir"
    sed -e "s#@PORT@#$1#; s#@REDIS_PORT@#$2#; s#@DIR@#$dir#g" "$BENCH_DIR/nchan.conf.template" >"$dir/nginx.conf"
    launch_node "$1" "$dir/stdout.log" nginx -c "$dir/nginx.conf" -p "$dir"
}

start_minimal_node() { # port redis_port
    launch_node "$1" "$WORK/minimal-$1.log" "$MINIMAL" "$1" "$2"
}

# Starts Redis and two nodes of $1; sets PORT_A PORT_B NODE_A NODE_B REDIS_PID and the bench URL flags.
start_system() {
    local system=$1 redis_port
    redis_port=$(free_port); PORT_A=$(free_port); PORT_B=$(free_port)
    start_redis "$redis_port" || return 1
    if [ "$system" = chorus ]; then
        start_chorus_node "$PORT_A" "$redis_port" || return 1; NODE_A=$NODE_PID
        start_chorus_node "$PORT_B" "$redis_port" || return 1; NODE_B=$NODE_PID
        URL_FLAGS=(--subscribe-url "http://127.0.0.1:$PORT_A/events?scope={scope}"
                   --subscribe-url "http://127.0.0.1:$PORT_B/events?scope={scope}"
                   --publish-url "http://127.0.0.1:$PORT_A/publish" --publish-format chorus-json)
        [ -n "$PUBLISHER_KEY" ] && URL_FLAGS+=(--publish-header "Authorization: Bearer $PUBLISHER_KEY")
    else
        local start=start_nchan_node
        [ "$system" = minimal ] && start=start_minimal_node
        $start "$PORT_A" "$redis_port" || return 1; NODE_A=$NODE_PID
        $start "$PORT_B" "$redis_port" || return 1; NODE_B=$NODE_PID
        URL_FLAGS=(--subscribe-url "http://127.0.0.1:$PORT_A/sub/{scope}"
                   --subscribe-url "http://127.0.0.1:$PORT_B/sub/{scope}"
                   --publish-url "http://127.0.0.1:$PORT_A/pub/{scope}" --publish-format raw)
    fi
    sleep 1
    log "$system: redis :$redis_port (pid $REDIS_PID), node A :$PORT_A (pid $NODE_A), node B :$PORT_B (pid $NODE_B)"
}

# Runs the tool once; its JSON line goes to $RESULTS/<system>-<name>.r<rep>.json, the table to the log.
run_tool() { # system name rep args...
    local system=$1 name=$2 rep=$3; shift 3
    local out=$RESULTS/$system-$name.r$rep.json tag=$system-$name.r$rep
    log "$system $name (repetition $rep of $REPEAT): chorus-bench $*"
    echo "$TOOL ${URL_FLAGS[*]} $*" >"$WORK/$tag.cmd"
    set +e
    timeout "$STEP_TIMEOUT" "$TOOL" "${URL_FLAGS[@]}" --json --no-progress --label "$system-$name" "$@" \
        >"$out.tmp" 2>"$WORK/$tag.log"
    local rc=$?
    set -e
    cat "$WORK/$tag.log" >&2
    if [ -s "$out.tmp" ] && timeout 30 python3 - "$out.tmp" "$out" "$rc" "$system" "$name" "$*" "$rep" "$REPEAT" "$RUN_STARTED" <<'PY'
import json, sys
src, dst, rc, system, name, args, rep, repeat, started = sys.argv[1:]
line = open(src).read().strip().splitlines()[-1]
data = json.loads(line)
data.update({"exitCode": int(rc), "system": system, "scenario": name, "args": args,
             "repetition": int(rep), "repetitions": int(repeat), "runStartedAt": started})
open(dst, "w").write(json.dumps(data, sort_keys=True) + "\n")
PY
    then :
    else
        printf '{"system":"%s","scenario":"%s","repetition":%d,"repetitions":%d,"runStartedAt":"%s","exitCode":%d,"failed":true}\n' \
            "$system" "$name" "$rep" "$REPEAT" "$RUN_STARTED" "$rc" >"$out"
    fi
    rm -f "$out.tmp"
    return 0
}

# ---------------------------------------------------------------- scenarios
if timeout 30 "$CHORUS" serve --help 2>&1 | grep -q -- '--publisher-key'; then
    PUBLISHER_KEY="bench-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
    log "chorus serve has --publisher-key: nodes get a key, the tool sends Authorization: Bearer"
fi

# The result files of scenario $1 (scenario 6, CPU, rides on 1).
result_names() {
    case $1 in
        1) echo "s1-fanout s6-cpu";;
        2) echo "s2-wide";;
        3) echo "s3-scopes";;
        4) echo "s4-latency";;
        5) echo "s5-memory s5-rss";;
    esac
}

# Nothing stale: the selected scenarios' results from earlier runs (any repetition count) go first.
for system in $SYSTEMS; do
    for n in $SCENARIOS; do
        for name in $(result_names "$n"); do
            rm -f "$RESULTS/$system-$name.json" "$RESULTS/$system-$name".r*.json "$RESULTS/$system-$name".r*.json.tmp
        done
    done
done

[ -n "$FLOOR" ] && rm -f "$RESULTS"/floor-s4-latency.r*.json

# Scenario 4's floor (see the top of this file), repetition $1: its latency as chorus-bench reports
# latency, so that the report can put the three side by side.
run_floor() { # rep
    local rep=$1 out=$RESULTS/floor-s4-latency.r$1.json line
    [ -n "$FLOOR" ] || return 0
    line=$(timeout 60 "$FLOOR" 1000 4 2 100 10 2>&1 | tail -1) || true
    log "floor s4 (repetition $rep of $REPEAT): $line"
    timeout 30 python3 - "$out" "$rep" "$REPEAT" "$RUN_STARTED" "$line" <<'PY' || true
import json, re, sys
path, rep, repeat, started, line = sys.argv[1:]
found = re.search(r"write ([0-9.]+) us per socket.*?([0-9]+) deliveries/s, latency ms p50 ([0-9.]+) p90 ([0-9.]+) p99 ([0-9.]+) max ([0-9.]+)", line)
data = {"system": "floor", "scenario": "s4-latency", "repetition": int(rep), "repetitions": int(repeat),
        "runStartedAt": started, "args": "bench/fanout_floor.c 1000 4 2 100 10"}
if found:
    write, rate, p50, p90, p99, top = found.groups()
    data.update({"writeMicrosPerSocket": float(write), "deliveriesPerSecond": int(rate),
                 "latencyMs": {"p50": float(p50), "p90": float(p90), "p99": float(p99), "max": float(top)}})
else:
    data.update({"failed": True, "output": line})
open(path, "w").write(json.dumps(data, sort_keys=True) + "\n")
PY
}

# One run of scenario $2 on a fresh system $1, repetition $3.
run_scenario() { # system scenario rep
    local system=$1 n=$2 rep=$3
    local t_start=$SECONDS
    # The minimal node is a floor for time, not for memory: it keeps no state worth measuring.
    [ "$system" = minimal ] && [ "$n" = 5 ] && return 0
    # A port that free_port found free can be taken before a node binds it (the tool's thousands of
    # client sockets use the same ephemeral range): then the system starts again on other ports.
    local attempt
    for attempt in 1 2 3; do
        start_system "$system" && break
        cleanup
        [ "$attempt" = 3 ] && die "$system did not start in 3 attempts (logs in $WORK)"
        log "$system did not start (attempt $attempt of 3); again on other ports"
        sleep 1
    done
    case $n in
    5)  # 5. memory: RSS per idle connection at 10,000 connections (5,000 per node), and the
        # kernel's TCP memory (socket buffers, not in any RSS) before and after.
        local before_a before_b after_a after_b tcp_before tcp_after connected tool_pid ready
        local node_sockets node_bytes tool_sockets tool_bytes
        before_a=$(rss_kb $(family "$NODE_A")); before_b=$(rss_kb $(family "$NODE_B")); tcp_before=$(tcp_mem_pages)
        ready=$WORK/$system-ready.r$rep
        rm -f "$ready"
        run_tool "$system" s5-memory "$rep" -n 10000 -e 0 --hold 25 --ready-file "$ready" &
        tool_pid=$!
        for _ in $(seq 1200); do [ -f "$ready" ] && break; sleep 0.1; done
        sleep 5
        after_a=$(rss_kb $(family "$NODE_A")); after_b=$(rss_kb $(family "$NODE_B")); tcp_after=$(tcp_mem_pages)
        read -r node_sockets node_bytes < <(tcp_skmem sport "$PORT_A" "$PORT_B")
        read -r tool_sockets tool_bytes < <(tcp_skmem dport "$PORT_A" "$PORT_B")
        connected=$(cut -d' ' -f2 "$ready" 2>/dev/null || echo 0)
        wait "$tool_pid" || true
        cat >"$RESULTS/$system-s5-rss.r$rep.json" <<EOF
{"system":"$system","repetition":$rep,"repetitions":$REPEAT,"runStartedAt":"$RUN_STARTED","connections":${connected:-0},"nodeA":{"rssBeforeKB":$before_a,"rssAfterKB":$after_a},"nodeB":{"rssBeforeKB":$before_b,"rssAfterKB":$after_b},"kernelTCP":{"memPagesBefore":${tcp_before:-0},"memPagesAfter":${tcp_after:-0},"pageSize":$PAGE_SIZE,"nodeSockets":${node_sockets:-0},"nodeBytes":${node_bytes:-0},"toolSockets":${tool_sockets:-0},"toolBytes":${tool_bytes:-0}}}
EOF
        log "$system memory: node A ${before_a} → ${after_a} kB, node B ${before_b} → ${after_b} kB, kernel TCP memory of the nodes' ${node_sockets:-0} sockets ${node_bytes:-0} B, of the tool's ${tool_sockets:-0} sockets ${tool_bytes:-0} B (sockstat ${tcp_before} → ${tcp_after} pages) for ${connected:-0} connections"
        ;;
    1)  # 1. fan-out (and 6. CPU per process during it).
        local cpu_a0 cpu_a1 cpu_b0 cpu_b1 cpu_r0 cpu_r1 t0 t1
        cpu_a0=$(cpu_ticks $(family "$NODE_A")); cpu_b0=$(cpu_ticks $(family "$NODE_B")); cpu_r0=$(cpu_ticks "$REDIS_PID"); t0=$(date +%s.%N)
        run_tool "$system" s1-fanout "$rep" -n 1000 --scopes 1 -e 2000 --payload 64 --publishers 8
        cpu_a1=$(cpu_ticks $(family "$NODE_A")); cpu_b1=$(cpu_ticks $(family "$NODE_B")); cpu_r1=$(cpu_ticks "$REDIS_PID"); t1=$(date +%s.%N)
        timeout 30 python3 - "$RESULTS/$system-s6-cpu.r$rep.json" "$system" "$rep" "$REPEAT" "$RUN_STARTED" "$HZ" "$t0" "$t1" \
            "$cpu_a0" "$cpu_a1" "$cpu_b0" "$cpu_b1" "$cpu_r0" "$cpu_r1" <<'PY'
import json, sys
path, system, rep, repeat, started, hz, t0, t1, a0, a1, b0, b1, r0, r1 = sys.argv[1:]
hz = int(hz)
json.dump({"system": system, "repetition": int(rep), "repetitions": int(repeat), "runStartedAt": started,
           "hz": hz, "wallSeconds": round(float(t1) - float(t0), 3),
           "nodeACPUSeconds": (int(a1) - int(a0)) / hz, "nodeBCPUSeconds": (int(b1) - int(b0)) / hz,
           "redisCPUSeconds": (int(r1) - int(r0)) / hz}, open(path, "w"))
PY
        ;;
    2) run_tool "$system" s2-wide "$rep" -n 10000 --scopes 1 -e 300 --payload 64 --publishers 8 --drain-timeout 30 ;;
    3) run_tool "$system" s3-scopes "$rep" -n 10000 --scopes 1000 -e 20000 --payload 64 --publishers 8 --drain-timeout 30 ;;
    4) run_tool "$system" s4-latency "$rep" -n 1000 --scopes 1 -e 1000 --rate 100 --payload 64 --publishers 4 ;;
    esac
    cleanup
    sleep 1
    log "$system scenario $n repetition $rep: $((SECONDS - t_start)) s with start and stop"
}

# Repetitions outside, systems alternating inside: odd repetitions run the systems in the order
# given, even ones reversed, so neither system always runs right after the other.
for rep in $(seq "$REPEAT"); do
    order=$SYSTEMS
    [ $((rep % 2)) -eq 0 ] && order=$(echo "$SYSTEMS" | tr ' ' '\n' | tac | tr '\n' ' ')
    for n in $SCENARIOS; do
        for system in $order; do
            run_scenario "$system" "$n" "$rep"
        done
        if [ "$n" = 4 ]; then run_floor "$rep"; fi
    done
    log "repetition $rep of $REPEAT done after $((SECONDS - MATRIX_T0)) s"
done
MATRIX_SECONDS=$((SECONDS - MATRIX_T0))

# ---------------------------------------------------------------- machine and report
timeout 120 python3 - "$RESULTS/machine.json" "$FD_LIMIT" "$FD_NOTE" "$TOOL" "$REPEAT" "$SCENARIOS" "$SYSTEMS" "$MATRIX_SECONDS" <<'PY'
import json, os, platform, subprocess, sys
path, fd_limit, fd_note, tool, repeat, scenarios, systems, seconds = sys.argv[1:]
def run(*cmd):
    try: return subprocess.run(cmd, capture_output=True, text=True, timeout=20).stdout.strip() or subprocess.run(cmd, capture_output=True, text=True, timeout=20).stderr.strip()
    except Exception as e: return f"unavailable: {e}"
cpu = next((l.split(":",1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
def steal_percent(start, end):
    # user nice system idle iowait irq softirq steal ...: steal as a share of all the cores' time.
    try:
        a, b = [list(map(int, line.split()[1:9])) for line in (start, end)]
        total = sum(b) - sum(a)
        return round(100 * (b[7] - a[7]) / total, 1) if total > 0 else None
    except (ValueError, IndexError):
        return None
mem = next((l.split(":",1)[1].strip() for l in open("/proc/meminfo") if l.startswith("MemTotal")), "?")
json.dump({
    "cpu": cpu, "cores": os.cpu_count(), "memory": mem, "kernel": platform.release(),
    "os": next((l.split("=",1)[1].strip().strip('"') for l in open("/etc/os-release") if l.startswith("PRETTY_NAME")), "?"),
    "swift": run("swift", "--version").splitlines()[0],
    "nginx": run("nginx", "-v"), "nchan": run("dpkg-query", "-W", "-f=${Version}", "libnginx-mod-nchan"),
    "redis": run("redis-server", "--version"),
    "fdLimit": int(fd_limit), "fdNote": fd_note,
    "loadAverage": os.environ.get("LOAD_AT_START", "?"),
    "stealPercent": steal_percent(os.environ.get("CPU_AT_START", ""), open("/proc/stat").readline()),
    "loadAverageAtEnd": " ".join(open("/proc/loadavg").read().split()[:3]),
    "runStartedAt": os.environ.get("RUN_STARTED", "?"), "repetitions": int(repeat),
    "scenarios": scenarios.split(), "systems": systems.split(), "matrixSeconds": int(seconds),
}, open(path, "w"), indent=1)
PY
timeout 300 python3 "$BENCH_DIR/report.py" "$RESULTS" "$ROOT/BENCHMARKS.md" "$BENCH_DIR/latency.png"
log "wrote $ROOT/BENCHMARKS.md and $BENCH_DIR/latency.png (raw results in $RESULTS, logs in $WORK)"

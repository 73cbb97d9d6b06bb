#!/usr/bin/env bash
# A local Chorus cluster without containers: one redis-server, N chorus nodes and
# nginx in front, all on loopback, all recorded by PID in one state directory.
#
#   deploy/cluster.sh up [options]    start, wait until every part answers, print URLs
#   deploy/cluster.sh status          what runs, on which port, and whether it answers
#   deploy/cluster.sh down            stop exactly the processes `up` started
#
# Run `deploy/cluster.sh help` for the options and variables.
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$SCRIPT_DIR/.." && pwd)

STATE_DIR=${CHORUS_CLUSTER_DIR:-/tmp/chorus-cluster}
NODES=${NODES:-3}
BASE_PORT=${BASE_PORT:-8081}
LB_PORT=${LB_PORT:-8080}
LB_HOST=${LB_HOST:-127.0.0.1}
REDIS_PORT=${REDIS_PORT:-}
REDIS_PREFIX=${REDIS_PREFIX:-}
HEARTBEAT=${HEARTBEAT:-15s}
HISTORY=${HISTORY:-10000}
LOG_LEVEL=${LOG_LEVEL:-info}
WAIT_SECONDS=${WAIT_SECONDS:-60}
STOP_TIMEOUT=${STOP_TIMEOUT:-20}
CHORUS_BIN=${CHORUS_BIN:-}
DURABLE=0
INSTALL=0
DEMO_ASSETS=${DEMO_ASSETS:-}

usage() {
    cat <<EOF
usage: deploy/cluster.sh up|down|status [options]

up options (each also as a variable):
  --nodes N          chorus nodes to start                 [NODES, default 3]
  --base-port P      first node's port; the others follow  [BASE_PORT, default 8081]
  --lb-port P        nginx's port                          [LB_PORT, default 8080]
                     nginx's address                       [LB_HOST, default 127.0.0.1]
  --redis-port P     redis-server's port                   [REDIS_PORT, default: a free one]
  --redis-prefix S   key/channel prefix for the nodes      [REDIS_PREFIX, default: the node's]
  --bin PATH         the chorus binary                     [CHORUS_BIN, default: .build/release/chorus,
                                                            built with 'swift build -c release' if missing]
  --heartbeat D      node heartbeat                        [HEARTBEAT, default 15s]
  --history N        events kept for replay                [HISTORY, default 10000]
  --log-level L      node log level                        [LOG_LEVEL, default info]
  --durable          redis appends every write and fsyncs it (--appendonly yes --appendfsync always);
                     default is no persistence at all (--save "" --appendonly no)
  --demo DIR         serve the live-document demo at / on every node, with htmx from DIR
                     (scripts/fetch-htmx.sh DIR fills it) and one token secret for all nodes [DEMO_ASSETS]
  --install          install missing nginx/redis-server with apt-get instead of stopping
  --wait SECONDS     how long to wait for readiness        [WAIT_SECONDS, default 60]
down: each process gets SIGTERM, then SIGKILL after         [STOP_TIMEOUT, default 20] seconds
                    (a node drains first: --drain-delay 5s + --drain-window 10s)
any command:
  --state-dir DIR    where PIDs, configs and logs live     [CHORUS_CLUSTER_DIR, default /tmp/chorus-cluster]
EOF
}

die() { echo "cluster.sh: $*" >&2; exit 1; }
say() { echo "cluster.sh: $*"; }

# ---------------------------------------------------------------- arguments

COMMAND=${1:-}
[ $# -gt 0 ] && shift
while [ $# -gt 0 ]; do
    case "$1" in
        --nodes) NODES=${2:?--nodes needs a number}; shift 2 ;;
        --base-port) BASE_PORT=${2:?--base-port needs a port}; shift 2 ;;
        --lb-port) LB_PORT=${2:?--lb-port needs a port}; shift 2 ;;
        --redis-port) REDIS_PORT=${2:?--redis-port needs a port}; shift 2 ;;
        --redis-prefix) REDIS_PREFIX=${2:?--redis-prefix needs a value}; shift 2 ;;
        --bin) CHORUS_BIN=${2:?--bin needs a path}; shift 2 ;;
        --heartbeat) HEARTBEAT=${2:?--heartbeat needs a duration}; shift 2 ;;
        --history) HISTORY=${2:?--history needs a number}; shift 2 ;;
        --log-level) LOG_LEVEL=${2:?--log-level needs a level}; shift 2 ;;
        --wait) WAIT_SECONDS=${2:?--wait needs seconds}; shift 2 ;;
        --state-dir) STATE_DIR=${2:?--state-dir needs a directory}; shift 2 ;;
        --durable) DURABLE=1; shift ;;
        --demo) DEMO_ASSETS=${2:?--demo needs the htmx folder}; shift 2 ;;
        --install) INSTALL=1; shift ;;
        -h|--help) usage; exit 0 ;;
        *) usage >&2; die "unknown option '$1'" ;;
    esac
done

is_port() { [[ "$1" =~ ^[0-9]+$ ]] && [ "$1" -ge 1 ] && [ "$1" -le 65535 ]; }

# ---------------------------------------------------------------- processes

# A PID file holds "PID START_TIME" (field 22 of /proc/PID/stat), so a PID that
# the kernel gave to some other process since is never taken for ours.
start_time() { awk '{ sub(/^.*\) /, ""); print $20 }' "/proc/$1/stat" 2>/dev/null; }

record_pid() {  # record_pid NAME PID
    local started
    started=$(start_time "$2") || true
    echo "$2 ${started:-?}" > "$STATE_DIR/$1.pid"
}

# Prints the PID if the process recorded under NAME still runs, else nothing.
live_pid() {
    local file="$STATE_DIR/$1.pid" pid started now
    [ -f "$file" ] || return 0
    read -r pid started < "$file" || return 0
    [ -n "$pid" ] || return 0
    now=$(start_time "$pid") || return 0
    # A zombie (exited, not yet reaped by `up` itself) counts as gone.
    [ "$(awk '{ sub(/^.*\) /, ""); print $1 }' "/proc/$pid/stat" 2>/dev/null)" = Z ] && return 0
    [ -n "$now" ] && [ "$now" = "$started" ] && echo "$pid"
    return 0
}

# Every name recorded in the state dir, in the order `down` stops them.
recorded_names() {
    local names=() file
    [ -f "$STATE_DIR/nginx.pid" ] && names+=(nginx)
    for file in "$STATE_DIR"/node-*.pid; do
        [ -e "$file" ] && names+=("$(basename "$file" .pid)")
    done
    [ -f "$STATE_DIR/redis.pid" ] && names+=(redis)
    printf '%s\n' "${names[@]+"${names[@]}"}"
}

# stop_group NAME...: SIGTERM to each recorded PID at once, up to STOP_TIMEOUT
# seconds for all of them, then SIGKILL to whichever is left. Recorded PIDs only.
stop_group() {
    local name pid waiting deadline i
    declare -A pids=()
    for name in "$@"; do
        pid=$(live_pid "$name")
        if [ -n "$pid" ]; then
            pids[$name]=$pid
            kill -TERM "$pid" 2>/dev/null || true
        else
            rm -f "$STATE_DIR/$name.pid"
        fi
    done
    deadline=$((SECONDS + STOP_TIMEOUT))
    while :; do
        waiting=0
        for name in "$@"; do
            [ -n "${pids[$name]:-}" ] && [ -n "$(live_pid "$name")" ] && waiting=1
        done
        [ "$waiting" = 1 ] && [ "$SECONDS" -lt "$deadline" ] || break
        sleep 0.1
    done
    for name in "$@"; do
        [ -n "${pids[$name]:-}" ] || continue
        if [ -n "$(live_pid "$name")" ]; then
            say "$name (pid ${pids[$name]}) still runs ${STOP_TIMEOUT}s after SIGTERM; sending SIGKILL"
            kill -KILL "${pids[$name]}" 2>/dev/null || true
        fi
    done
    for name in "$@"; do
        [ -n "${pids[$name]:-}" ] || continue
        for ((i = 0; i < 20; i++)); do [ -z "$(live_pid "$name")" ] && break; sleep 0.1; done
        say "stopped $name (pid ${pids[$name]})"
        rm -f "$STATE_DIR/$name.pid"
    done
}

# ---------------------------------------------------------------- network

port_in_use() { [ -n "$(ss -Htln "sport = :$1" 2>/dev/null)" ]; }

free_port() {  # a free loopback port for redis, from 6390 up
    local port
    for ((port = 6390; port < 6500; port++)); do
        port_in_use "$port" || { echo "$port"; return 0; }
    done
    die "no free port between 6390 and 6499 for redis-server; give one with --redis-port"
}

http_code() {  # http_code URL → the status code, 000 when nothing answers
    curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$1" 2>/dev/null || true
}

# wait_for NAME CHECK... : until CHECK succeeds (0); 1 after WAIT_SECONDS;
# 2 at once if the process recorded as NAME has exited.
wait_for() {
    local name=$1 deadline
    shift
    deadline=$((SECONDS + WAIT_SECONDS))
    until "$@"; do
        [ -n "$(live_pid "$name")" ] || return 2
        [ "$SECONDS" -lt "$deadline" ] || return 1
        sleep 0.2
    done
}

why() { [ "$1" = 2 ] && echo "exited before it answered" || echo "did not answer within ${WAIT_SECONDS}s"; }
answers_200() { [ "$(http_code "$1")" = 200 ]; }
redis_answers() { [ "$(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null)" = PONG ]; }

# ---------------------------------------------------------------- up

need_tools() {
    # Debian package for each missing tool. (bookworm's nginx-light is only nginx
    # plus an extra module; plain nginx is what exists on every Debian release.)
    local missing=()
    command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || missing+=(nginx)
    command -v redis-server >/dev/null || missing+=(redis-server)
    command -v redis-cli >/dev/null || missing+=(redis-tools)
    command -v curl >/dev/null || missing+=(curl)
    command -v ss >/dev/null || missing+=(iproute2)
    [ ${#missing[@]} -eq 0 ] && return 0
    if [ "$INSTALL" = 0 ]; then
        echo "cluster.sh: missing: ${missing[*]}. Install with:" >&2
        echo "  apt-get install -y ${missing[*]}" >&2
        echo "or run 'deploy/cluster.sh up --install' to have it done." >&2
        exit 1
    fi
    say "installing ${missing[*]} with apt-get"
    # Keep Debian's packages from starting the system-wide nginx (port 80) and
    # redis (port 6379) services: this cluster runs its own copies. A policy-rc.d
    # that is already there is left alone.
    local policy=/usr/sbin/policy-rc.d made_policy=0
    if [ ! -e "$policy" ]; then
        printf '#!/bin/sh\nexit 101\n' > "$policy" && chmod +x "$policy" && made_policy=1
    fi
    local status=0
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}"; } || status=$?
    [ "$made_policy" = 1 ] && rm -f "$policy"
    [ "$status" = 0 ] || die "apt-get install failed (status $status)"
}

find_binary() {
    if [ -n "$CHORUS_BIN" ]; then
        [ -x "$CHORUS_BIN" ] || die "CHORUS_BIN=$CHORUS_BIN is not an executable file"
        return 0
    fi
    if [ -x "$REPO_DIR/.build/release/chorus" ]; then
        CHORUS_BIN=$REPO_DIR/.build/release/chorus
        return 0
    fi
    command -v swift >/dev/null || die "no chorus binary and no swift to build one: set CHORUS_BIN"
    say "no chorus binary yet: building it (swift build -c release --product chorus; several minutes)"
    (cd "$REPO_DIR" && swift build -c release --product chorus) || die "the build failed"
    CHORUS_BIN="$(cd "$REPO_DIR" && swift build -c release --product chorus --show-bin-path)/chorus"
    [ -x "$CHORUS_BIN" ] || die "the build left no binary at $CHORUS_BIN"
}

show_log_tail() {  # show_log_tail FILE
    [ -f "$1" ] || return 0
    echo "---- last lines of $1" >&2
    tail -n 15 "$1" >&2
}

fail_up() {  # stop whatever started, show why, exit 1
    echo "cluster.sh: $1" >&2
    [ -n "${2:-}" ] && show_log_tail "$2"
    say "stopping what was started"
    do_down >/dev/null || true
    exit 1
}

write_nginx_conf() {
    local prefix=$STATE_DIR/nginx servers="" i
    mkdir -p "$prefix/conf" "$prefix/logs" "$prefix/temp"
    for ((i = 0; i < NODES; i++)); do
        servers+="        server 127.0.0.1:$((BASE_PORT + i)) max_fails=1 fail_timeout=5s;"$'\n'
    done
    servers=${servers%$'\n'}
    awk -v servers="$servers" -v prefix="$prefix" -v lbport="$LB_PORT" -v lbhost="$LB_HOST" '
        /^@UPSTREAM_SERVERS@$/ { print servers; next }
        { gsub(/@PREFIX@/, prefix); gsub(/@LB_PORT@/, lbport); gsub(/@LB_HOST@/, lbhost); print }
    ' "$SCRIPT_DIR/nginx.conf.template" > "$prefix/conf/nginx.conf"
}

nginx_bin() { command -v nginx 2>/dev/null || echo /usr/sbin/nginx; }

do_up() {
    for value in "$NODES" "$HISTORY" "$WAIT_SECONDS"; do
        [[ "$value" =~ ^[0-9]+$ ]] && [ "$value" -ge 1 ] || die "'$value' is not a positive whole number"
    done
    is_port "$BASE_PORT" && [ $((BASE_PORT + NODES - 1)) -le 65535 ] || die "--base-port '$BASE_PORT' does not fit $NODES nodes"
    is_port "$LB_PORT" || die "--lb-port '$LB_PORT' is not a port"
    [ -z "$REDIS_PORT" ] || is_port "$REDIS_PORT" || die "--redis-port '$REDIS_PORT' is not a port"

    if [ -d "$STATE_DIR" ] && [ -n "$(for n in $(recorded_names); do live_pid "$n"; done)" ]; then
        die "a cluster already runs from $STATE_DIR (see 'deploy/cluster.sh status'); run 'deploy/cluster.sh down' first"
    fi

    need_tools
    find_binary
    "$CHORUS_BIN" serve --help >/dev/null 2>&1 || die "$CHORUS_BIN does not run 'serve --help'"

    [ -n "$REDIS_PORT" ] || REDIS_PORT=$(free_port)
    local ports=("$LB_PORT" "$REDIS_PORT") i
    for ((i = 0; i < NODES; i++)); do ports+=($((BASE_PORT + i))); done
    for port in "${ports[@]}"; do
        port_in_use "$port" && die "port $port is already in use (choose others with --base-port, --lb-port, --redis-port)"
    done
    [ "$(printf '%s\n' "${ports[@]}" | sort -u | wc -l)" = "${#ports[@]}" ] || die "the ports overlap: ${ports[*]}"

    # Only a directory this script made (it carries a marker) or an empty one is wiped.
    if [ -d "$STATE_DIR" ] && [ ! -e "$STATE_DIR/.chorus-cluster" ] && [ -n "$(ls -A "$STATE_DIR")" ]; then
        die "$STATE_DIR exists and was not made by cluster.sh: choose another --state-dir"
    fi
    rm -rf "$STATE_DIR"
    mkdir -p "$STATE_DIR/redis"
    touch "$STATE_DIR/.chorus-cluster"
    chmod 755 "$STATE_DIR"   # nginx workers (user nobody when started as root) read below it
    cat > "$STATE_DIR/cluster.env" <<EOF
NODES=$NODES
BASE_PORT=$BASE_PORT
LB_HOST=$LB_HOST
LB_PORT=$LB_PORT
REDIS_PORT=$REDIS_PORT
CHORUS_BIN=$CHORUS_BIN
EOF

    # -- redis
    local persistence=(--save "" --appendonly no)
    [ "$DURABLE" = 1 ] && persistence=(--save "" --appendonly yes --appendfsync always)
    setsid redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --dir "$STATE_DIR/redis" \
        --daemonize no --protected-mode yes "${persistence[@]}" \
        --logfile "$STATE_DIR/redis/redis.log" </dev/null >/dev/null 2>&1 &
    record_pid redis $!
    wait_for redis redis_answers || fail_up "redis-server $(why $?) on 127.0.0.1:$REDIS_PORT" "$STATE_DIR/redis/redis.log"
    say "redis-server on 127.0.0.1:$REDIS_PORT (pid $(live_pid redis))"

    # -- nodes
    local redis_args=() clustered=1
    if "$CHORUS_BIN" serve --help 2>&1 | grep -qE '^[[:space:]]+--redis([[:space:]]|,|$)'; then
        redis_args=(--redis "redis://127.0.0.1:$REDIS_PORT")
        [ -n "$REDIS_PREFIX" ] && redis_args+=(--redis-prefix "$REDIS_PREFIX")
    else
        clustered=0
        say "WARNING: $CHORUS_BIN has no --redis option yet: each node runs its own in-memory bus and events do not cross nodes"
    fi
    local demo_args=()
    if [ -n "$DEMO_ASSETS" ]; then
        # Any node may serve the page and any node the stream: they must share the token secret.
        # (Through the environment, not argv, so it is not in `ps`.)
        demo_args=(--demo --demo-assets "$(cd "$DEMO_ASSETS" && pwd)")
        CHORUS_TOKEN_SECRET=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
        export CHORUS_TOKEN_SECRET
    fi
    for ((i = 1; i <= NODES; i++)); do
        local port=$((BASE_PORT + i - 1))
        setsid "$CHORUS_BIN" serve --host 127.0.0.1 --port "$port" --node-id "node$i" \
            --heartbeat "$HEARTBEAT" --history "$HISTORY" --log-level "$LOG_LEVEL" \
            "${redis_args[@]+"${redis_args[@]}"}" "${demo_args[@]+"${demo_args[@]}"}" </dev/null >"$STATE_DIR/node-$i.log" 2>&1 &
        record_pid "node-$i" $!
    done
    for ((i = 1; i <= NODES; i++)); do
        local port=$((BASE_PORT + i - 1))
        wait_for "node-$i" answers_200 "http://127.0.0.1:$port/readyz" ||
            fail_up "node$i $(why $?) on http://127.0.0.1:$port/readyz (last answer: $(http_code "http://127.0.0.1:$port/readyz"))" "$STATE_DIR/node-$i.log"
        say "node$i on http://127.0.0.1:$port (pid $(live_pid "node-$i")) is ready"
    done

    # -- nginx
    write_nginx_conf
    local nginx
    nginx=$(nginx_bin)
    "$nginx" -t -q -p "$STATE_DIR/nginx" -c conf/nginx.conf -e "$STATE_DIR/nginx/logs/error.log" 2>"$STATE_DIR/nginx/logs/check.log" ||
        fail_up "the generated nginx config does not pass 'nginx -t'" "$STATE_DIR/nginx/logs/check.log"
    setsid "$nginx" -p "$STATE_DIR/nginx" -c conf/nginx.conf -e "$STATE_DIR/nginx/logs/error.log" \
        </dev/null >"$STATE_DIR/nginx/logs/stdout.log" 2>&1 &
    record_pid nginx $!
    wait_for nginx answers_200 "http://$LB_HOST:$LB_PORT/healthz" ||
        fail_up "nginx $(why $?) on http://$LB_HOST:$LB_PORT/healthz" "$STATE_DIR/nginx/logs/error.log"
    say "nginx on http://$LB_HOST:$LB_PORT (pid $(live_pid nginx))"

    cat <<EOF

Chorus cluster is up ($NODES nodes$([ "$clustered" = 1 ] && echo ", clustered over Redis" || echo ", NOT clustered: no --redis in this binary")).
  balancer   http://$LB_HOST:$LB_PORT        (nginx, config $STATE_DIR/nginx/conf/nginx.conf)
$(for ((i = 1; i <= NODES; i++)); do echo "  node$i      http://127.0.0.1:$((BASE_PORT + i - 1))"; done)
  redis      redis://127.0.0.1:$REDIS_PORT
  logs       $STATE_DIR

  subscribe: curl -N "http://$LB_HOST:$LB_PORT/events?scope=demo"
  publish:   curl -s -X POST -H 'Content-Type: application/json' -d '{"scope":"demo","data":"hi"}' http://127.0.0.1:$BASE_PORT/publish
  stop:      deploy/cluster.sh down$([ "$STATE_DIR" = /tmp/chorus-cluster ] || echo " --state-dir $STATE_DIR")
EOF
}

# ---------------------------------------------------------------- down / status

do_down() {
    if [ ! -d "$STATE_DIR" ]; then
        say "nothing to stop: no $STATE_DIR"
        return 0
    fi
    local names nodes
    names=$(recorded_names)
    if [ -z "$names" ]; then
        say "nothing to stop in $STATE_DIR"
        return 0
    fi
    # The balancer first (no new connections), then every node at once, then Redis.
    nodes=$(grep '^node-' <<<"$names" || true)
    grep -qx nginx <<<"$names" && stop_group nginx
    # shellcheck disable=SC2086 # one name a word
    [ -n "$nodes" ] && stop_group $nodes
    grep -qx redis <<<"$names" && stop_group redis
    rm -f "$STATE_DIR/cluster.env"
    say "down; logs stay in $STATE_DIR until the next 'up'"
}

do_status() {
    [ -f "$STATE_DIR/cluster.env" ] || { say "not running (no $STATE_DIR/cluster.env)"; return 3; }
    # shellcheck disable=SC1091
    . "$STATE_DIR/cluster.env"
    local bad=0 pid code i
    printf '%-8s %-8s %-28s %s\n' PART PID ADDRESS STATE
    pid=$(live_pid redis)
    if [ -n "$pid" ] && [ "$(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null)" = PONG ]; then code=PONG; else code=down; bad=1; fi
    printf '%-8s %-8s %-28s %s\n' redis "${pid:--}" "redis://127.0.0.1:$REDIS_PORT" "$code"
    for ((i = 1; i <= NODES; i++)); do
        pid=$(live_pid "node-$i")
        code=$(http_code "http://127.0.0.1:$((BASE_PORT + i - 1))/readyz")
        [ -n "$pid" ] && [ "$code" = 200 ] || bad=1
        printf '%-8s %-8s %-28s %s\n' "node$i" "${pid:--}" "http://127.0.0.1:$((BASE_PORT + i - 1))" "readyz $code"
    done
    pid=$(live_pid nginx)
    code=$(http_code "http://$LB_HOST:$LB_PORT/healthz")
    [ -n "$pid" ] && [ "$code" = 200 ] || bad=1
    printf '%-8s %-8s %-28s %s\n' nginx "${pid:--}" "http://$LB_HOST:$LB_PORT" "healthz $code"
    return $bad
}

case "$COMMAND" in
    up) do_up ;;
    down) do_down ;;
    status) do_status ;;
    help|-h|--help) usage ;;
    "") usage >&2; exit 2 ;;
    *) usage >&2; die "unknown command '$COMMAND'" ;;
esac

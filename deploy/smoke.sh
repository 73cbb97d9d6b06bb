#!/usr/bin/env bash
# End-to-end smoke test of docker-compose.yml: the cluster a user gets from
# `docker compose up`, proved through its nginx the way a browser uses it.
#
#   1. brings the compose cluster up: under Docker when a Docker engine answers
#      (`docker compose up -d --build`), otherwise under podman through
#      deploy/podman-up.sh (no engine, no registry: see deploy/README.md);
#   2. waits until every node has answered /readyz 200 through the balancer
#      (nginx names the node that answered in X-Chorus-Upstream);
#   3. subscribes through nginx (GET /events, like an EventSource), notes the node
#      that holds the stream, publishes EVENTS events on each node (inside each
#      node container: POST /publish to its own loopback) and checks that the
#      subscriber got every event exactly once, in publish order;
#   4. kills (SIGKILL) the node container holding the stream, publishes more events
#      while the client is away, reconnects through nginx with Last-Event-ID, publishes
#      again, and checks that the second stream is exactly the missed events then the
#      new ones: nothing missed, nothing twice, in order, from another node;
#   5. brings everything down (containers, network, Redis' volume) and checks that
#      nothing of the project is left. Images stay, as a build cache (--images drops them).
#
# Usage: deploy/smoke.sh [--engine docker|podman] [--install] [--images]
#   --install: podman only, passed to podman-up.sh (apt-get the tools when missing)
# Variables: CHORUS_BIN (podman: a host-built release binary, skips the build),
#   EVENTS (per node per phase, default 5), SMOKE_TIMEOUT (whole run, default 1800 s:
#   the first build of the release binary takes 5+ minutes here), PROJECT (default
#   chorus-smoke). Exit status 0 only if every check passed; everything it started is
#   stopped on any exit.
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$SCRIPT_DIR/.." && pwd)
export COMPOSE_PROJECT_NAME=${PROJECT:-chorus-smoke}
PROJECT=$COMPOSE_PROJECT_NAME
EVENTS=${EVENTS:-5}
SMOKE_TIMEOUT=${SMOKE_TIMEOUT:-1800}
ENGINE=${ENGINE:-}
DROP_IMAGES=0
UP_ARGS=()
NODES=(node1 node2 node3)

while [ $# -gt 0 ]; do
    case "$1" in
        --engine) ENGINE=${2:-}; shift ;;
        --engine=*) ENGINE=${1#--engine=} ;;
        --images) DROP_IMAGES=1 ;;
        --install) UP_ARGS+=(--install) ;;
        -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) echo "smoke.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
    esac
    shift
done

START=$SECONDS
WORK=$(mktemp -d /tmp/chorus-smoke.XXXXXX)
CURL_PIDS=()
log() { printf '[smoke %4ds] %s\n' "$((SECONDS - START))" "$*"; }
fail() { log "FAIL: $*"; exit 1; }

if [ -z "$ENGINE" ]; then
    if command -v docker >/dev/null && timeout 10 docker info >/dev/null 2>&1; then ENGINE=docker; else ENGINE=podman; fi
fi
case "$ENGINE" in docker|podman) ;; *) fail "--engine must be docker or podman" ;; esac

# A free loopback port for the balancer, so the smoke never collides with a cluster on 8080.
LB_PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
export CHORUS_LB_PUBLISH=127.0.0.1:$LB_PORT
LB=http://127.0.0.1:$LB_PORT

compose() {
    if [ "$ENGINE" = docker ]; then
        timeout 900 docker compose -p "$PROJECT" -f "$REPO_DIR/docker-compose.yml" "$@"
    else
        timeout 600 podman-compose -p "$PROJECT" -f "$REPO_DIR/docker-compose.yml" -f "$REPO_DIR/deploy/compose.podman.yml" "$@"
    fi
}

# The container of a compose service (docker compose names it P-s-1, podman-compose P_s_1).
container() {
    local name
    for name in "${PROJECT}-$1-1" "${PROJECT}_$1_1"; do
        if $ENGINE container inspect "$name" >/dev/null 2>&1; then echo "$name"; return; fi
    done
    fail "no container for service $1"
}
address() { $ENGINE inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' "$(container "$1")"; }

down() {
    log "bringing the project down"
    if [ "$ENGINE" = docker ]; then
        compose down --volumes --remove-orphans --timeout 10 > "$WORK/down.log" 2>&1 || cat "$WORK/down.log"
    else
        COMPOSE_PROJECT_NAME=$PROJECT "$SCRIPT_DIR/podman-down.sh" --volumes || true
    fi
}

leftovers() {
    local label=com.docker.compose.project
    [ "$ENGINE" = podman ] && label=io.podman.compose.project
    {
        $ENGINE ps -a -q --filter "label=$label=$PROJECT" | sed 's/^/container /'
        $ENGINE network ls --format '{{.Name}}' | grep -x "${PROJECT}_default" | sed 's/^/network /'
        $ENGINE volume ls --format '{{.Name}}' | grep -x "${PROJECT}_redis-data" | sed 's/^/volume /'
    } 2>/dev/null
    return 0
}

cleanup() {
    local status=$?
    trap - EXIT INT TERM
    set +e  # clean up as much as possible, whatever fails
    [ -n "${WATCHDOG:-}" ] && kill "$WATCHDOG" 2>/dev/null
    for pid in "${CURL_PIDS[@]+"${CURL_PIDS[@]}"}"; do kill "$pid" 2>/dev/null || true; done
    if [ "$status" != 0 ] && [ -n "${UP:-}" ]; then
        log "logs of the nodes and the balancer, last lines:"
        for service in "${NODES[@]}" lb; do
            echo "--- $service"; $ENGINE logs --tail 15 "$(container "$service" 2>/dev/null)" 2>&1 | sed 's/^/    /' || true
        done
    fi
    [ -n "${UP:-}" ] && down
    local left
    left=$(leftovers)
    if [ -n "$left" ]; then
        log "FAIL: left behind: $(echo "$left" | tr '\n' ';')"
        status=1
    elif [ -n "${UP:-}" ]; then
        log "nothing of project $PROJECT is left (containers, network, volume)"
    fi
    if [ "$DROP_IMAGES" = 1 ]; then
        if [ "$ENGINE" = docker ]; then docker rmi -f chorus:local >/dev/null 2>&1 || true
        else podman rmi -f localhost/chorus:local localhost/chorus-base:bookworm localhost/chorus-runtime-base:bookworm >/dev/null 2>&1 || true
        fi
    fi
    rm -rf "$WORK"
    if [ "$status" = 0 ]; then log "PASS in $((SECONDS - START)) s"; else log "FAILED after $((SECONDS - START)) s"; fi
    exit "$status"
}
trap cleanup EXIT
trap 'log "interrupted"; exit 130' INT TERM
# The whole run is bounded: past SMOKE_TIMEOUT the watchdog stops it (and cleanup runs).
( sleep "$SMOKE_TIMEOUT"; echo "[smoke] timeout after ${SMOKE_TIMEOUT}s" >&2; kill -TERM $$ ) 2>/dev/null &
WATCHDOG=$!

# ---- 1. up
[ -z "$(leftovers)" ] || { log "a previous run of project $PROJECT is still there: removing it"; UP=1; down; UP=; }
log "engine: $ENGINE; project $PROJECT; balancer on $LB"
UP=1
if [ "$ENGINE" = docker ]; then
    compose up -d --build > "$WORK/up.log" 2>&1 || { tail -n 30 "$WORK/up.log"; fail "docker compose up failed"; }
else
    COMPOSE_PROJECT_NAME=$PROJECT "$SCRIPT_DIR/podman-up.sh" "${UP_ARGS[@]+"${UP_ARGS[@]}"}" > "$WORK/up.log" 2>&1 ||
        { tail -n 30 "$WORK/up.log"; fail "deploy/podman-up.sh failed"; }
    grep '^podman-up.sh:' "$WORK/up.log" | sed 's/^/    /'
fi
log "compose cluster started"

# ---- 2. every node ready, through the balancer
declare -A NODE_OF=()
for service in "${NODES[@]}"; do NODE_OF["$(address "$service"):8080"]=$service; done
declare -A READY=()
deadline=$((SECONDS + 120))
while [ "${#READY[@]}" -lt "${#NODES[@]}" ]; do
    [ "$SECONDS" -lt "$deadline" ] || fail "through nginx, only ${!READY[*]} answered /readyz 200 within 120 s"
    upstream=$(curl -s --max-time 3 -o /dev/null -D - "$LB/readyz" 2>/dev/null |
        tr -d '\r' | awk 'NR == 1 { code = $2 } tolower($1) == "x-chorus-upstream:" && code == 200 { print $2 }') || true
    if [ -n "$upstream" ] && [ -n "${NODE_OF[$upstream]:-}" ] && [ -z "${READY[${NODE_OF[$upstream]}]:-}" ]; then
        READY[${NODE_OF[$upstream]}]=1
        log "${NODE_OF[$upstream]} ($upstream) ready through nginx"
    fi
    sleep 0.2
done

# ---- 3. subscribe through nginx, publish on each node, every event once, in order
SCOPE=smoke-$RANDOM$RANDOM
subscribe() {  # subscribe NAME [Last-Event-ID]; sets SUB_UPSTREAM (the node nginx chose)
    local name=$1 extra=()
    [ -n "${2:-}" ] && extra=(-H "Last-Event-ID: $2")
    curl -sN --max-time 300 -D "$WORK/$name.head" "${extra[@]+"${extra[@]}"}" "$LB/events?scope=$SCOPE" > "$WORK/$name.sse" 2>/dev/null &
    CURL_PIDS+=($!)
    local deadline=$((SECONDS + 20))
    until grep -q '^retry:' "$WORK/$name.sse" 2>/dev/null; do
        [ "$SECONDS" -lt "$deadline" ] || fail "$name: no stream through nginx within 20 s ($(head -n 1 "$WORK/$name.head" 2>/dev/null))"
        sleep 0.1
    done
    SUB_UPSTREAM=$(tr -d '\r' < "$WORK/$name.head" | awk 'tolower($1) == "x-chorus-upstream:" { print $2 }' | tail -n 1)
}
# POST /publish from inside a node container to its own loopback (the nodes have no
# publisher key: development mode accepts loopback only), with bash alone: the image has
# no curl, and `chorus publish` fails there as a non-root user (deploy/README.md, "Known problems").
PUBLISH_SH='exec 3<>/dev/tcp/127.0.0.1/8080 && printf "POST /publish HTTP/1.0\r\nHost: localhost\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s" "${#1}" "$1" >&3 && timeout 10 cat <&3'
publish() {  # publish SERVICE DATA -> appends "id data" to $WORK/published
    local reply id
    reply=$(timeout 30 "$ENGINE" exec "$(container "$1")" bash -c "$PUBLISH_SH" _ "{\"scope\":\"$SCOPE\",\"data\":\"$2\"}") ||
        fail "publish on $1 failed"
    id=$(printf '%s' "$reply" | tr -d '\r' | sed -n 's/.*{"ids":\["\([^"]*\)"\]}.*/\1/p')
    [ -n "$id" ] || fail "publish on $1: no id in the reply: $(printf '%s' "$reply" | head -n 1)"
    printf '%s %s\n' "$id" "$2" >> "$WORK/published"
}
received() {  # received NAME -> "id data" per event in the stream, in arrival order
    awk '/^id: / { id = substr($0, 5) } /^data: / { data = substr($0, 7) } /^$/ { if (id != "") print id, data; id = ""; data = "" }' "$WORK/$1.sse"
}
wait_for() {  # wait_for NAME FILE: until the stream has as many events as FILE has lines
    local deadline=$((SECONDS + 20)) want
    want=$(wc -l < "$2")
    until [ "$(received "$1" | wc -l)" -ge "$want" ]; do
        [ "$SECONDS" -lt "$deadline" ] || break
        sleep 0.1
    done
    sleep 1  # anything extra (a duplicate) would arrive now
}
check() {  # check NAME FILE WHAT: the stream's events are exactly FILE's, in order
    if ! diff "$2" <(received "$1") > "$WORK/$1.diff"; then
        log "$3: expected (<) vs received (>):"; sed 's/^/    /' "$WORK/$1.diff"
        fail "$3"
    fi
    log "$3: $(wc -l < "$2") events, each once, in order"
}

subscribe first
HOLDER=${NODE_OF[$SUB_UPSTREAM]:-}
[ -n "$HOLDER" ] || fail "the stream's upstream '$SUB_UPSTREAM' is not a node"
log "subscribed through nginx to scope $SCOPE; the stream is held by $HOLDER ($SUB_UPSTREAM)"
: > "$WORK/published"
for service in "${NODES[@]}"; do
    for i in $(seq 1 "$EVENTS"); do publish "$service" "$service-$i"; done
done
log "published $EVENTS events on each of ${NODES[*]}"
wait_for first "$WORK/published"
check first "$WORK/published" "first stream"
LAST_ID=$(tail -n 1 "$WORK/published" | cut -d' ' -f1)

# ---- 4. kill the node holding the stream; reconnect through nginx with Last-Event-ID
SURVIVORS=()
for service in "${NODES[@]}"; do [ "$service" = "$HOLDER" ] || SURVIVORS+=("$service"); done
$ENGINE kill "$(container "$HOLDER")" > /dev/null
log "killed $HOLDER (SIGKILL)"
deadline=$((SECONDS + 30))
while kill -0 "${CURL_PIDS[0]}" 2>/dev/null; do
    [ "$SECONDS" -lt "$deadline" ] || fail "the first stream did not end within 30 s of killing $HOLDER"
    sleep 0.1
done
log "the first stream ended"
: > "$WORK/published"
for service in "${SURVIVORS[@]}"; do
    for i in $(seq 1 "$EVENTS"); do publish "$service" "$service-missed-$i"; done
done
log "published $((EVENTS * ${#SURVIVORS[@]})) events while the client was away"
subscribe second "$LAST_ID"
NEW_HOLDER=${NODE_OF[$SUB_UPSTREAM]:-}
if [ -z "$NEW_HOLDER" ] || [ "$NEW_HOLDER" = "$HOLDER" ]; then fail "the reconnect went to '$SUB_UPSTREAM' (${NEW_HOLDER:-not a node})"; fi
log "reconnected through nginx with Last-Event-ID $LAST_ID; held by $NEW_HOLDER ($SUB_UPSTREAM)"
for service in "${SURVIVORS[@]}"; do
    for i in $(seq 1 "$EVENTS"); do publish "$service" "$service-live-$i"; done
done
log "published $((EVENTS * ${#SURVIVORS[@]})) more events after the reconnect"
wait_for second "$WORK/published"
check second "$WORK/published" "resumed stream (missed, then live)"

# ---- 5. down (in cleanup), nothing left
log "all checks passed"

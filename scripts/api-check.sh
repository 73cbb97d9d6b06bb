#!/usr/bin/env bash
# Runs schemathesis against a live node with docs/openapi.yaml: every route gets generated valid
# and invalid requests, and the run fails on any 5xx, any status, content type, header or body
# that the description does not allow, or a node that dies on the way.
#
#   scripts/api-check.sh                  # builds the node (debug) if needed
#   CHORUS_BIN=path/to/chorus scripts/api-check.sh
#   st --config-file scripts/api-check.toml run docs/openapi.yaml --url …   # by hand (see the .toml)
#   API_CHECK_EXAMPLES=200 API_CHECK_SECONDS=900 API_CHECK_SEED=$RANDOM scripts/api-check.sh   # a longer run
#                                         (defaults: 25 examples per route, 120 s, a fixed seed)
#
# Bounded: redis-server and a node on free loopback ports, at most API_CHECK_SECONDS (default
# 120) of schemathesis, then both are stopped by PID. Reports go to .build/api-check/.
set -euo pipefail
cd "$(dirname "$0")/.."

schemathesis_version=4.32.5
examples="${API_CHECK_EXAMPLES:-25}"
seconds="${API_CHECK_SECONDS:-120}"

if ! python3 -c "import sys, schemathesis; sys.exit(schemathesis.__version__ != '$schemathesis_version')" 2>/dev/null; then
    echo "api-check: installing schemathesis $schemathesis_version from PyPI"
    python3 -m pip install --quiet --root-user-action=ignore "schemathesis==$schemathesis_version"
fi

bin="${CHORUS_BIN:-}"
if [[ -z "$bin" ]]; then
    nice -n 10 swift build --product chorus
    bin="$(swift build --show-bin-path)/chorus"
fi

out=.build/api-check
rm -rf "$out"
mkdir -p "$out"
port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
secret="api-check-token-secret-$(python3 -c 'import secrets; print(secrets.token_hex(16))')"
export CHORUS_API_CHECK_KEY="api-check-publisher-$(python3 -c 'import secrets; print(secrets.token_hex(16))')"

redis_pid=""
node_pid=""
check_pid=""
stop() {  # only what this script started, by PID: schemathesis, the node, then redis-server
    local pid
    for pid in $check_pid $node_pid $redis_pid; do
        kill -0 "$pid" 2>/dev/null || continue
        kill -TERM "$pid" 2>/dev/null || true
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null || true
    done
}
trap stop EXIT
trap 'exit 130' INT TERM

# The node runs on Redis, as in production, so presence, close-user and replays go through the
# Redis bus (API_CHECK_BUS=memory: the embedded bus, no redis-server needed).
bus_options=()
if [[ "${API_CHECK_BUS:-redis}" == redis ]]; then
    redis_port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
    redis-server --bind 127.0.0.1 --port "$redis_port" --save '' --appendonly no --logfile "$PWD/$out/redis.log" &
    redis_pid=$!
    bus_options=(--redis "redis://127.0.0.1:$redis_port")
fi

# A short heartbeat so an idle stream shows its comments within the read timeout; a small
# --max-body so generated bodies reach 413 too.
"$bin" serve --host 127.0.0.1 --port "$port" --publisher-key "$CHORUS_API_CHECK_KEY" --token-secret "$secret" \
    --heartbeat 1s --max-connections 200 --max-body 2048 --log-level warning --drain-delay 0 --drain-window 0 "${bus_options[@]+"${bus_options[@]}"}" \
    >"$out/node.log" 2>&1 &
node_pid=$!

python3 - "$port" <<'PY'
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
        sys.exit("api-check: the node did not get ready within 30 s")
    time.sleep(0.1)
PY

# The token allows `doc:*` (the description's example scope), so generated scopes get both 200
# and 403 scope-forbidden.
CHORUS_API_CHECK_TOKEN="$("$bin" token --secret "$secret" --sub api-check --scope 'doc:*' --ttl 1h)"
export CHORUS_API_CHECK_TOKEN

echo "api-check: schemathesis $schemathesis_version, $examples examples per route, at most ${seconds}s, node on 127.0.0.1:$port (${API_CHECK_BUS:-redis} bus)"
status=0
# python3 -m, not `st`: pip may put its scripts where PATH does not look. One worker: with two,
# hypothesis trips over a CPython 3.11 bug (SystemError: AST constructor recursion depth mismatch).
timeout --kill-after=10 "$seconds" python3 -m schemathesis.cli --no-color --config-file scripts/api-check.toml run docs/openapi.yaml \
    --url "http://127.0.0.1:$port" \
    --checks not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,response_schema_conformance,ignored_auth \
    --max-examples "$examples" --seed "${API_CHECK_SEED:-20261201}" --workers 1 --request-timeout 10 \
    --report junit,har --report-dir "$out" &
check_pid=$!
wait "$check_pid" || status=$?

if ! kill -0 "$node_pid" 2>/dev/null; then
    echo "api-check: FAILED: the node died during the run; its log:" >&2
    tail -n 40 "$out/node.log" >&2
    exit 1
fi
if ((status == 124 || status == 137)); then
    echo "api-check: FAILED: schemathesis did not finish within ${seconds}s" >&2
    exit 1
fi
if ((status != 0)); then
    echo "api-check: FAILED (schemathesis exit $status); node log in $out/node.log" >&2
    exit "$status"
fi
echo "api-check: passed"

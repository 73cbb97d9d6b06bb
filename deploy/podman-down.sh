#!/usr/bin/env bash
# Stops and removes what deploy/podman-up.sh started: the compose project's
# containers and network (podman-compose down; ~10 s a node while the node
# ignores SIGTERM, podman's stop timeout). --volumes also drops Redis' data
# volume; --images also removes localhost/chorus:local and the base image.
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$SCRIPT_DIR/.." && pwd)
# shellcheck source-path=SCRIPTDIR source=podman-common.sh
. "$SCRIPT_DIR/podman-common.sh"

VOLUMES=() IMAGES=0
for arg in "$@"; do
    case "$arg" in
        --volumes|-v) VOLUMES=(-v) ;;
        --images) IMAGES=1 ;;
        -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) die "unknown option '$arg'" ;;
    esac
done

command -v podman-compose >/dev/null || die "podman-compose is not installed: nothing to stop"
(cd "$REPO_DIR" && compose down "${VOLUMES[@]+"${VOLUMES[@]}"}") > "$LOG_DIR/down.log" 2>&1 ||
    { tail -n 20 "$LOG_DIR/down.log" >&2; die "podman-compose down failed (log: $LOG_DIR/down.log)"; }
left=$(podman ps -a -q --filter "label=io.podman.compose.project=$PROJECT")
[ -z "$left" ] || die "containers of project $PROJECT are still there: $(echo "$left" | tr '\n' ' ')"
# podman-compose 1.0.3 leaves the project's network behind.
if podman network exists "${PROJECT}_default" 2>/dev/null; then
    podman network rm "${PROJECT}_default" >/dev/null
fi
if [ "$IMAGES" = 1 ]; then
    podman rmi -f localhost/chorus:local localhost/chorus-base:bookworm >/dev/null 2>&1 || true
    say "removed the local images"
fi
say "project $PROJECT is down"

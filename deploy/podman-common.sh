# Shared by deploy/podman-up.sh and deploy/podman-down.sh (sourced, not run).
# shellcheck shell=bash disable=SC2034

PROJECT=${COMPOSE_PROJECT_NAME:-chorus}
LOG_DIR=${CHORUS_PODMAN_LOGS:-/tmp/chorus-podman}
mkdir -p "$LOG_DIR"

die() { echo "$(basename "$0"): $*" >&2; exit 1; }
say() { echo "$(basename "$0"): $*"; }

# podman-compose with the real docker-compose.yml and the podman override,
# bounded in time (10 minutes) so nothing here can hang forever.
compose() {
    timeout 600 podman-compose -p "$PROJECT" \
        -f "$REPO_DIR/docker-compose.yml" -f "$REPO_DIR/deploy/compose.podman.yml" "$@"
}

#!/usr/bin/env bash
# Runs docker-compose.yml with podman on a machine with no Docker engine and no
# container registry (as root), following shared/notes/containers.md:
#
#   1. podman, podman-compose, runc, debootstrap present (apt-get with --install);
#      /etc/containers/containers.conf with runc and nofile ulimits, if absent
#   2. two base images from one debootstrap'ed bookworm, imported with `podman
#      import` (once): localhost/chorus-runtime-base:bookworm (libhiredis0.14,
#      ca-certificates: the nodes' runtime) and localhost/chorus-base:bookworm
#      (plus redis-server, nginx, curl: the redis and lb services)
#   3. a release chorus binary built on the host (or CHORUS_BIN), staged in
#      deploy/.podman/, and localhost/chorus:local built from deploy/Dockerfile.local
#   4. podman-compose -f docker-compose.yml -f deploy/compose.podman.yml up -d,
#      then waits (bounded) until redis, every node's /readyz and nginx answer
#
# Usage: deploy/podman-up.sh [--install] [--rebuild-base] [--base-only]
# Variables: CHORUS_BIN (skip the host build), WAIT_SECONDS (default 180),
#   ROOTFS_DIR (default /var/tmp/chorus-rootfs), DEBIAN_MIRROR,
#   CHORUS_LB_PUBLISH (default 127.0.0.1:8080).
# Stop with deploy/podman-down.sh.
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$SCRIPT_DIR/.." && pwd)
# shellcheck source-path=SCRIPTDIR source=podman-common.sh
. "$SCRIPT_DIR/podman-common.sh"

BASE_IMAGE=localhost/chorus-base:bookworm
RUNTIME_BASE_IMAGE=localhost/chorus-runtime-base:bookworm
NODE_IMAGE=localhost/chorus:local
ROOTFS_DIR=${ROOTFS_DIR:-/var/tmp/chorus-rootfs}
DEBIAN_MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
WAIT_SECONDS=${WAIT_SECONDS:-180}
CHORUS_BIN=${CHORUS_BIN:-}
export CHORUS_LB_PUBLISH=${CHORUS_LB_PUBLISH:-127.0.0.1:8080}
INSTALL=0 REBUILD_BASE=0 BASE_ONLY=0

for arg in "$@"; do
    case "$arg" in
        --install) INSTALL=1 ;;
        --rebuild-base) REBUILD_BASE=1 ;;
        --base-only) BASE_ONLY=1 ;;
        -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) die "unknown option '$arg' (see --help)" ;;
    esac
done

[ "$(id -u)" = 0 ] || die "run as root: this path uses rootful podman (see shared/notes/containers.md)"

# ---- 1. tools and podman's configuration
missing=()
for tool in podman podman-compose runc debootstrap curl; do
    command -v "$tool" >/dev/null || missing+=("$tool")
done
if [ ${#missing[@]} -gt 0 ]; then
    if [ "$INSTALL" = 0 ]; then
        echo "podman-up.sh: missing: ${missing[*]}. Install with:" >&2
        echo "  apt-get install -y ${missing[*]}" >&2
        echo "or run 'deploy/podman-up.sh --install'." >&2
        exit 1
    fi
    say "installing ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}"
fi

CONF=/etc/containers/containers.conf
if [ ! -e "$CONF" ]; then
    say "writing $CONF (runtime runc; nofile/nproc ulimits the runtime can set)"
    mkdir -p /etc/containers
    cat > "$CONF" <<'CONF'
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=4096:4096"]

[engine]
runtime = "runc"
CONF
elif ! grep -q '^[[:space:]]*runtime[[:space:]]*=[[:space:]]*"runc"' "$CONF"; then
    say "WARNING: $CONF exists and does not choose runtime \"runc\"; crun may fail with 'cgroups in hybrid mode not supported'"
fi

# ---- 2. the base images, from one debootstrap
#   localhost/chorus-runtime-base:bookworm  minbase + libhiredis0.14 + ca-certificates: the
#       node's runtime, what deploy/Dockerfile's runtime stage adds to debian:bookworm-slim
#   localhost/chorus-base:bookworm          that plus redis-server, nginx and curl, for the
#       redis and lb services (the images docker-compose.yml pulls from a registry)
if [ "$REBUILD_BASE" = 1 ] || ! podman image exists "$RUNTIME_BASE_IMAGE" || ! podman image exists "$BASE_IMAGE"; then
    say "building $RUNTIME_BASE_IMAGE and $BASE_IMAGE with debootstrap from $DEBIAN_MIRROR (a few minutes)"
    rm -rf "$ROOTFS_DIR"
    debootstrap --variant=minbase --include=libhiredis0.14,libstdc++6,ca-certificates \
        bookworm "$ROOTFS_DIR" "$DEBIAN_MIRROR" > "$ROOTFS_DIR.log" 2>&1 ||
        { tail -n 20 "$ROOTFS_DIR.log" >&2; die "debootstrap failed (log: $ROOTFS_DIR.log)"; }
    # What debian:bookworm-slim leaves out too: documentation, manuals, translations, apt's caches.
    slim() {
        rm -rf "$ROOTFS_DIR"/var/cache/apt/archives/*.deb "$ROOTFS_DIR"/var/lib/apt/lists/* \
            "$ROOTFS_DIR"/usr/share/doc/* "$ROOTFS_DIR"/usr/share/man/* "$ROOTFS_DIR"/usr/share/info/* \
            "$ROOTFS_DIR"/usr/share/locale/*
    }
    slim
    tar -C "$ROOTFS_DIR" -c . | podman import -q --change 'CMD ["/bin/bash"]' - "$RUNTIME_BASE_IMAGE" >/dev/null
    say "imported $RUNTIME_BASE_IMAGE"
    # policy-rc.d keeps the packages' services (nginx, redis) from starting in the chroot.
    printf '#!/bin/sh\nexit 101\n' > "$ROOTFS_DIR/usr/sbin/policy-rc.d"
    chmod +x "$ROOTFS_DIR/usr/sbin/policy-rc.d"
    { chroot "$ROOTFS_DIR" apt-get update -q &&
      DEBIAN_FRONTEND=noninteractive chroot "$ROOTFS_DIR" apt-get install -y -q --no-install-recommends \
          redis-server redis-tools nginx curl; } >> "$ROOTFS_DIR.log" 2>&1 ||
        { tail -n 20 "$ROOTFS_DIR.log" >&2; die "installing redis/nginx in the base failed (log: $ROOTFS_DIR.log)"; }
    rm -f "$ROOTFS_DIR/usr/sbin/policy-rc.d"
    slim
    tar -C "$ROOTFS_DIR" -c . | podman import -q --change 'CMD ["/bin/bash"]' - "$BASE_IMAGE" >/dev/null
    rm -rf "$ROOTFS_DIR"
    say "imported $BASE_IMAGE"
fi
[ "$BASE_ONLY" = 0 ] || { say "$RUNTIME_BASE_IMAGE and $BASE_IMAGE are ready (--base-only: stopping here)"; exit 0; }

# ---- 3. the node image from a host-built binary
STAGE=$SCRIPT_DIR/.podman
mkdir -p "$STAGE"
if [ -n "$CHORUS_BIN" ]; then
    [ -x "$CHORUS_BIN" ] || die "CHORUS_BIN=$CHORUS_BIN is not an executable file"
else
    say "building the release binary (swift build -c release --static-swift-stdlib; ~5 min the first time)"
    (cd "$REPO_DIR" && nice -n 10 swift build -c release --static-swift-stdlib --product chorus --scratch-path .build-deploy) ||
        die "swift build failed"
    CHORUS_BIN="$(cd "$REPO_DIR" && swift build -c release --static-swift-stdlib --product chorus --scratch-path .build-deploy --show-bin-path)/chorus"
fi
cp "$CHORUS_BIN" "$STAGE/chorus"
strip "$STAGE/chorus" 2>/dev/null || true
# Layers are cached: this is quick unless the binary or deploy/Dockerfile.local changed.
# --format docker keeps the image's HEALTHCHECK (the OCI format has none).
say "building $NODE_IMAGE from deploy/Dockerfile.local"
podman build -q --format docker -f "$SCRIPT_DIR/Dockerfile.local" -t "$NODE_IMAGE" "$STAGE" >/dev/null
if ! "$CHORUS_BIN" serve --help 2>&1 | grep -qE '^[[:space:]]+--redis([[:space:]]|,|$)'; then
    say "WARNING: this chorus binary has no --redis yet: CHORUS_REDIS_URL is ignored, each node runs its own in-memory bus"
fi

# ---- 4. the compose cluster
say "starting the compose cluster (project $PROJECT)"
(cd "$REPO_DIR" && compose up -d) > "$LOG_DIR/up.log" 2>&1 ||
    { tail -n 30 "$LOG_DIR/up.log" >&2; die "podman-compose up failed (log: $LOG_DIR/up.log)"; }

deadline=$((SECONDS + WAIT_SECONDS))
wait_until() {  # wait_until WHAT CHECK...
    local what=$1
    shift
    until "$@" >/dev/null 2>&1; do
        [ "$SECONDS" -lt "$deadline" ] || { podman ps -a --filter "label=io.podman.compose.project=$PROJECT" >&2; die "$what did not answer within ${WAIT_SECONDS}s"; }
        sleep 1
    done
    say "$what answers"
}
wait_until redis podman exec "${PROJECT}_redis_1" redis-cli ping
for n in 1 2 3; do
    # The node's compose health check (/readyz), run by hand: podman runs none without systemd.
    wait_until "node$n /readyz" podman healthcheck run "${PROJECT}_node${n}_1"
done
LB_URL="http://${CHORUS_LB_PUBLISH%:*}:${CHORUS_LB_PUBLISH##*:}"
LB_URL=${LB_URL/0.0.0.0/127.0.0.1}
wait_until "nginx at $LB_URL/healthz" curl -fsS --max-time 2 -o /dev/null "$LB_URL/healthz"

cat <<EOF

Compose cluster is up under podman (project $PROJECT).
  balancer  $LB_URL   (nginx, deploy/nginx-compose.conf)
  nodes     ${PROJECT}_node1_1, ${PROJECT}_node2_1, ${PROJECT}_node3_1 (port 8080 on podman's bridge)

  subscribe: curl -N "$LB_URL/events?scope=demo"
  publish:   podman exec ${PROJECT}_node1_1 chorus publish --scope demo --data hi
  health:    podman healthcheck run ${PROJECT}_node1_1 && echo healthy
  stop:      deploy/podman-down.sh
EOF

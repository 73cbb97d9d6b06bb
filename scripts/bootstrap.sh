#!/usr/bin/env bash
# Installs what building and testing Chorus needs on Debian 12 (run as root), and nothing else.
# Safe to run again: it only calls apt-get or pip when something is missing.
#
#   scripts/bootstrap.sh             # build and run: hiredis, redis, pkg-config
#   scripts/bootstrap.sh --browser   # and the browser test's: chromium, chromium-driver, selenium
set -euo pipefail

packages=(libhiredis-dev redis-server redis-tools pkg-config)
browser=false
if [[ "${1:-}" == "--browser" ]]; then
    browser=true
    packages+=(chromium chromium-driver)
fi

missing=()
for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done

if ((${#missing[@]})); then
    echo "bootstrap: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

if $browser && ! python3 -c 'import selenium' 2>/dev/null; then
    echo "bootstrap: installing selenium from PyPI"
    python3 -m pip install --quiet --root-user-action=ignore 'selenium>=4.20,<5'
fi

# The test suites start their own redis-server processes; the packaged service is not needed.
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet redis-server 2>/dev/null; then
    systemctl stop redis-server || true
fi

command -v swift >/dev/null 2>&1 || {
    echo "bootstrap: no 'swift' on PATH. Install the Swift 6.1+ toolchain (swift.org/install) and run again." >&2
    exit 1
}
echo "bootstrap: ready ($(swift --version 2>/dev/null | head -1))"

#!/usr/bin/env bash
# Installs what building and testing Chorus needs on Debian 12 (run as root), and nothing else.
# Safe to run again: it only calls apt-get or pip when something is missing.
#
#   scripts/bootstrap.sh             # build and run: hiredis, redis, pkg-config
#   scripts/bootstrap.sh --browser   # and the browser test's: chromium, chromium-driver, selenium
set -euo pipefail

# redis-sentinel: the failover test runs Sentinels (it starts them as `redis-server --sentinel`,
# the same binary, so the package is for operators and for parity with production).
# openssl: the TLS tests make their CA and certificates with it (ChorusTesting/TLSCertificates).
# nginx-light: the Swift client's tests put a TLS proxy with a path prefix in front of a node
# (ChorusTesting/NginxProxy); they start their own nginx, the packaged service is not needed.
packages=(libhiredis-dev redis-server redis-sentinel redis-tools pkg-config openssl nginx-light)
# Chromium gets its recommended packages too (fonts among them): a page must render as a user sees it.
browser_packages=()
browser=false
if [[ "${1:-}" == "--browser" ]]; then
    browser=true
    browser_packages=(chromium chromium-driver)
fi

missing=()
for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
missing_browser=()
for package in "${browser_packages[@]+"${browser_packages[@]}"}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing_browser+=("$package")
done

if ((${#missing[@]} + ${#missing_browser[@]})); then
    echo "bootstrap: installing ${missing[*]} ${missing_browser[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    if ((${#missing[@]})); then apt-get install -y -qq --no-install-recommends "${missing[@]}"; fi
    if ((${#missing_browser[@]})); then apt-get install -y -qq "${missing_browser[@]}"; fi
fi

if $browser && ! python3 -c 'import selenium' 2>/dev/null; then
    echo "bootstrap: installing selenium from PyPI"
    python3 -m pip install --quiet --root-user-action=ignore 'selenium>=4.20,<5'
fi

# The test suites start their own redis-server and nginx processes; the packaged services are not needed.
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet nginx 2>/dev/null; then
    systemctl stop nginx || true
fi
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet redis-server 2>/dev/null; then
    systemctl stop redis-server || true
fi

command -v swift >/dev/null 2>&1 || {
    echo "bootstrap: no 'swift' on PATH. Install the Swift 6.2+ toolchain (swift.org/install) and run again." >&2
    exit 1
}
echo "bootstrap: ready ($(swift --version 2>/dev/null | head -1))"

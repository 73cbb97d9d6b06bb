#!/usr/bin/env bash
# Installs what the tests need, then runs all of them: the Swift suites (unit, Redis integration,
# multi-node cluster) and the demo's browser test (headless Chromium, two users on two nodes).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh --browser
deploy/kubernetes/validate.sh
swift build --product chorus
swift test
scripts/fetch-htmx.sh .demo-assets
CHORUS_BIN="$(swift build --show-bin-path)/chorus" DEMO_ASSETS=.demo-assets python3 Tests/Browser/demo_test.py

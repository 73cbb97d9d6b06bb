#!/usr/bin/env bash
# Installs what the tests need, then runs all of them: the Kubernetes manifests' validation, the
# Swift suites (unit, Redis integration, multi-node cluster, Sentinel failover), schemathesis against
# the OpenAPI description, a 2-minute soak, the demo's browser test (headless Chromium, two
# users on two nodes), the page-load gap browser test (a change made while the page's stream is
# held back still reaches it, once), the CORS browser test (a page on another origin, through chorus.js)
# and the shared-tabs browser test (8 tabs on one connection, echo per tab, leader handover; ~15 s).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh --browser
deploy/kubernetes/validate.sh
swift build --product chorus
swift test
# Heap allocations per stream setup, publish and fan-out against bench/alloc-budgets.json (~1 min).
scripts/alloc-budgets.sh
# The HTTP API against its description (schemathesis), and a short soak: 2 nodes and Redis under
# stream churn, failing if memory, descriptors or connections trend upward.
CHORUS_BIN="$(swift build --show-bin-path)/chorus" scripts/api-check.sh
CHORUS_BIN="$(swift build --show-bin-path)/chorus" bench/soak.sh --minutes 2
# Every libFuzzer target from its seed corpus, briefly (docs/fuzzing.md).
scripts/fuzz.sh 10
scripts/fetch-htmx.sh .demo-assets
CHORUS_BIN="$(swift build --show-bin-path)/chorus" DEMO_ASSETS=.demo-assets python3 Tests/Browser/demo_test.py
CHORUS_BIN="$(swift build --show-bin-path)/chorus" DEMO_ASSETS=.demo-assets python3 Tests/Browser/pageload_test.py
CHORUS_BIN="$(swift build --show-bin-path)/chorus" python3 Tests/Browser/cors_test.py
CHORUS_BIN="$(swift build --show-bin-path)/chorus" DEMO_ASSETS=.demo-assets python3 Tests/Browser/shared_test.py

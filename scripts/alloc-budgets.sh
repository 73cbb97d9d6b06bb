#!/usr/bin/env bash
# Allocation budgets (BENCHMARKS.md, "Allocation budgets"): builds `chorus-alloc`, which runs a node
# in its own process and counts the heap allocations of its hot paths (one idle stream's setup, one
# publish, one event fanned out to 1, 100 and 1,000 subscribers), and fails if one is over its
# budget in bench/alloc-budgets.json. Counts, not timings: the same on a busy machine.
#
#   scripts/alloc-budgets.sh                 # debug build: what CI runs (it has built debug already)
#   scripts/alloc-budgets.sh release         # the optimized build (a full release build: minutes)
#   scripts/alloc-budgets.sh debug --json    # also print the figures, to update the budgets
#   scripts/alloc-budgets.sh debug --trace /tmp/fanout.trace   # then scripts/alloc-stacks.py
set -euo pipefail
cd "$(dirname "$0")/.."
configuration="${1:-debug}"
[ $# -gt 0 ] && shift
case "$configuration" in
  debug|release) ;;
  *) echo "usage: $0 [debug|release] [chorus-alloc options]" >&2; exit 2 ;;
esac
swift build -c "$configuration" --product chorus-alloc
exec "$(swift build -c "$configuration" --show-bin-path)/chorus-alloc" --budgets bench/alloc-budgets.json "$@"

#!/usr/bin/env bash
# Builds the libFuzzer targets in Fuzz/ (with AddressSanitizer) and runs each for SECONDS seconds
# (default 60), starting from the committed seed corpus in Fuzz/Corpus/<target>/.
#
#   scripts/fuzz.sh [SECONDS] [TARGET…]     e.g. scripts/fuzz.sh 10, scripts/fuzz.sh 600 json sse
#
# New inputs libFuzzer finds go to .build/fuzz/<target>/corpus (kept between runs, never committed);
# a crash, a broken invariant or a hang (more than 10 s on one input) is saved in
# .build/fuzz/<target>/artifacts/ and makes the script exit non-zero once every target has run.
# Reproduce one with: Fuzz/.build/debug/fuzz-<target> <artifact file>. Each run is also noted in
# .build/fuzz/<target>/history (when, how long, how many inputs), to add up how long each has run.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${1:-60}"
shift || true

# Target and the longest input worth trying: enough for every construct the parser knows, short
# enough that each run tries many inputs.
declare -A max_len=(
    [json]=4096 [publish-request]=4096 [sse]=2048 [eventid]=64 [scope-pattern]=512
    [wire-format]=2048 [channel-message]=2048 [redis-url]=256 [token-header]=1024
    [html-scanner]=4096 [mustache-outline]=2048
)
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    targets=(json publish-request sse eventid scope-pattern wire-format channel-message redis-url token-header html-scanner mustache-outline)
fi
for target in "${targets[@]}"; do
    [ -n "${max_len[$target]:-}" ] || { echo "fuzz.sh: unknown target '$target' (known: ${!max_len[*]})" >&2; exit 2; }
done

# Debug is the cheapest build that instruments Chorus's code (coverage + ASan); lld because gold
# fails on the sanitizer runtimes. The linker's warnings about ASan's local symbols are noise.
mkdir -p .build/fuzz
echo "fuzz.sh: building ${#targets[@]} targets"
start=$(date +%s)
if ! nice -n 10 swift build --package-path Fuzz -c debug -Xswiftc -sanitize=fuzzer,address -Xswiftc -use-ld=lld \
    >.build/fuzz/build.log 2>&1; then
    grep -v "Cannot export local symbol" .build/fuzz/build.log | tail -40
    echo "fuzz.sh: build failed (full log: .build/fuzz/build.log)" >&2
    exit 1
fi
bin="$(swift build --package-path Fuzz -c debug --show-bin-path)"
echo "fuzz.sh: built in $(( $(date +%s) - start )) s"

failed=()
for target in "${targets[@]}"; do
    work=".build/fuzz/$target"
    mkdir -p "$work/corpus" "$work/artifacts"
    dict=()
    [ -f "Fuzz/Dictionaries/$target.dict" ] && dict=("-dict=Fuzz/Dictionaries/$target.dict")
    # Swift's runtime keeps its metadata caches for the life of the process: not leaks.
    # Swift's own crash backtracer trips ASan (a stack read it does on purpose): libFuzzer reports.
    if SWIFT_BACKTRACE=enable=no ASAN_OPTIONS="detect_leaks=0:${ASAN_OPTIONS:-}" "$bin/fuzz-$target" \
        -max_total_time="$seconds" -max_len="${max_len[$target]}" -timeout=10 -rss_limit_mb=2048 \
        -print_final_stats=1 -artifact_prefix="$work/artifacts/" "${dict[@]}" \
        "$work/corpus" "Fuzz/Corpus/$target" >"$work/log" 2>&1; then
        runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$work/log" | grep -o '[0-9]*$' || echo '?')
        echo "fuzz.sh: $target: ok, $runs inputs in ${seconds} s"
        echo "$(date -u +%FT%TZ) ok ${seconds} s, $runs inputs" >>"$work/history"
    else
        echo "fuzz.sh: $target: FAILED (log: $work/log)"
        echo "$(date -u +%FT%TZ) FAILED within ${seconds} s" >>"$work/history"
        grep -E "invariant broken|Fatal error|ERROR: |SUMMARY|Test unit written" "$work/log" | head -8
        failed+=("$target")
    fi
done

if [ ${#failed[@]} -gt 0 ]; then
    echo "fuzz.sh: ${#failed[@]} target(s) failed: ${failed[*]}" >&2
    exit 1
fi
echo "fuzz.sh: all ${#targets[@]} targets ok ($(( $(date +%s) - start )) s in all)"

#!/usr/bin/env python3
"""Summarizes a `chorus-alloc --trace FILE` trace: which call stacks allocate, and how often.

    scripts/alloc-stacks.py TRACE BINARY [--events N] [--depth D]

Each allocation in TRACE is a glibc backtrace (backtrace_symbols_fd) followed by `--`. Frames in
BINARY are resolved with addr2line and demangled with `swift demangle`; the allocator's own frames
and the Swift runtime's are skipped, the next D frames make the key. Prints the stacks by count,
divided by N (the events traced) to give allocations per event.
"""
import argparse
import collections
import re
import subprocess
import sys

FRAME = re.compile(r"^(?P<module>[^(\[]+)\((?P<symbol>[^)]*)\) ?\[(?P<address>0x[0-9a-f]+)\]")
SKIP = ("countAllocation", "traceAllocation", "malloc", "calloc", "realloc", "posix_memalign",
        "aligned_alloc", "memalign", "swift_slowAlloc", "swift_allocObject", "swift_allocBox",
        "swift::swift_slowAlloc", "swift_task_alloc", "__libc_")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("trace")
    parser.add_argument("binary")
    parser.add_argument("--events", type=float, default=3)
    parser.add_argument("--depth", type=int, default=6)
    parser.add_argument("--top", type=int, default=20)
    args = parser.parse_args()

    stacks, current = [], []
    with open(args.trace, errors="replace") as trace:
        for line in trace:
            line = line.rstrip("\n")
            if line == "--":
                stacks.append(current)
                current = []
                continue
            match = FRAME.match(line)
            if match:
                current.append((match["module"], match["symbol"], match["address"]))

    # Resolve the binary's own frames (`binary(+0xOFFSET)`) in one addr2line call.
    offsets = sorted({s for stack in stacks for m, s, _ in stack if m.endswith(args.binary.split("/")[-1]) and s.startswith("+")})
    names = {}
    if offsets:
        out = subprocess.run(["addr2line", "-f", "-e", args.binary] + [o[1:] for o in offsets],
                             capture_output=True, text=True, check=True).stdout.splitlines()
        mangled = out[0::2]
        demangled = subprocess.run(["swift", "demangle", "--simplified", "--compact"], input="\n".join(mangled),
                                   capture_output=True, text=True).stdout.splitlines()
        if len(demangled) != len(mangled):
            demangled = mangled
        names = dict(zip(offsets, demangled))

    def name(frame):
        module, symbol, _ = frame
        if symbol.startswith("+") and symbol in names:
            return names[symbol]
        base = symbol.split("+")[0] or module.split("/")[-1]
        return base

    counts = collections.Counter()
    for stack in stacks:
        frames = [name(f) for f in stack]
        frames = [f for f in frames if not any(f.startswith(s) or f == s for s in SKIP)]
        counts[tuple(frames[: args.depth])] += 1

    total = sum(counts.values())
    print(f"{total} allocations traced, {total / args.events:.1f} per event; by stack (innermost first):")
    for key, count in counts.most_common(args.top):
        print(f"\n{count / args.events:8.1f} per event ({count})")
        for frame in key:
            print(f"           {frame[:160]}")


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Summarizes a `chorus-alloc --trace FILE` trace: which call stacks allocate, and how often.

    scripts/alloc-stacks.py TRACE BINARY [--events N] [--depth D]
    scripts/alloc-stacks.py --live TRACE BINARY --events 100     # a --trace-streams trace

Each allocation in TRACE is an `A <block> <bytes>` line, a glibc backtrace (backtrace_symbols_fd)
and `--`; each free an `F <block>` line. Frames in BINARY are resolved with addr2line and demangled
with `swift demangle`; the allocator's own frames and the Swift runtime's are skipped, the next D
frames make the key. Prints the stacks by count, divided by N (the events traced) to give
allocations per event; with --live, only the blocks never freed in the trace, by bytes held per N
(per stream, for a --trace-streams trace).
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
    parser.add_argument("--live", action="store_true", help="only the blocks still allocated at the end, by bytes")
    args = parser.parse_args()

    stacks, current = [], []
    sizes, block = [], None
    live = {}  # block address -> index in stacks
    with open(args.trace, errors="replace") as trace:
        for line in trace:
            line = line.rstrip("\n")
            if line == "--":
                if block is not None:
                    live[block[0]] = len(stacks)
                sizes.append(block[1] if block else 0)
                stacks.append(current)
                current, block = [], None
                continue
            if line.startswith("A "):
                _, address, size = line.split()
                block = (address, int(size))
                continue
            if line.startswith("F "):
                live.pop(line.split()[1], None)
                continue
            match = FRAME.match(line)
            if match:
                current.append((match["module"], match["symbol"], match["address"]))
    if args.live:
        kept = set(live.values())
        stacks = [stack for index, stack in enumerate(stacks) if index in kept]
        sizes = [size for index, size in enumerate(sizes) if index in kept]

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
    held = collections.Counter()
    for stack, size in zip(stacks, sizes):
        frames = [name(f) for f in stack]
        frames = [f for f in frames if not any(f.startswith(s) or f == s for s in SKIP)]
        counts[tuple(frames[: args.depth])] += 1
        held[tuple(frames[: args.depth])] += size

    total = sum(counts.values())
    if args.live:
        print(f"{total} blocks still allocated, {sum(held.values()) / args.events:.0f} bytes per stream; by stack (innermost first):")
        for key, size in held.most_common(args.top):
            print(f"\n{size / args.events:8.1f} bytes per stream ({counts[key] / args.events:.2f} blocks)")
            for frame in key:
                print(f"           {frame[:160]}")
        return
    print(f"{total} allocations traced, {total / args.events:.1f} per event; by stack (innermost first):")
    for key, count in counts.most_common(args.top):
        print(f"\n{count / args.events:8.1f} per event ({count})")
        for frame in key:
            print(f"           {frame[:160]}")


if __name__ == "__main__":
    sys.exit(main())

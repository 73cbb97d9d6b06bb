#!/usr/bin/env python3
"""What an idle connection and an idle SSE stream cost a node, by part.

    python3 bench/stream-memory.py --chorus .build-bench/release/chorus [--count 5000] [--repeat 3]

Each measurement starts a fresh `chorus serve` node (in-memory bus) on a free loopback port (a
process keeps the memory it freed, so a node measures once), opens `count` connections and compares
the node's RSS (VmRSS) before and after: connections that send nothing (each waits for its first
request), and streams (`GET /events?scope=…`, two scopes each, all read up to their `retry:`
line). Reported per connection: the median and range of the repetitions. Kernel socket memory is
not in the RSS (idle loopback sockets hold almost none).

The heap a stream holds (malloc's usable bytes, without allocator overhead) is measured exactly by
`scripts/alloc-budgets.sh release` (`stream-heap-bytes`). Loopback only; the node is stopped by
PID when the script ends, however it ends.
"""
import argparse
import os
import socket
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import local_node  # noqa: E402


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def settle(pid, seconds=2.0):
    """Waits until the node's RSS stops moving (at most `seconds` more)."""
    last = rss_kb(pid)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        time.sleep(0.25)
        now = rss_kb(pid)
        if now == last:
            return now
        last = now
    return last


def open_connections(port, count, stream):
    sockets = []
    for index in range(count):
        connection = socket.create_connection(("127.0.0.1", port), timeout=10)
        if stream:
            connection.sendall(f"GET /events?scope=mem-{index % 100}&scope=mem-all HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                               "Accept: text/event-stream\r\n\r\n".encode())
        sockets.append(connection)
        if index % 250 == 249:
            time.sleep(0.02)
    if stream:
        for connection in sockets:
            received = b""
            while b"retry:" not in received:
                chunk = connection.recv(4096)
                if not chunk:
                    raise RuntimeError("the node closed a stream")
                received += chunk
            if not received.startswith(b"HTTP/1.1 200"):
                raise RuntimeError(f"a stream was refused: {received[:80]!r}")
    return sockets


def measure(chorus, count, stream):
    """RSS per connection of a fresh node holding `count` connections."""
    with local_node.node(chorus, "--max-connections", str(count + 100)) as (port, process):
        # One connection first: the loops, the tables and the allocator arenas exist before the count.
        for connection in open_connections(port, 1, stream):
            connection.close()
        before = settle(process.pid)
        sockets = open_connections(port, count, stream)
        after = settle(process.pid)
        for connection in sockets:
            connection.close()
    return (after - before) / count


def summary(values):
    return f"{statistics.median(values):.2f} kB (range {min(values):.2f}–{max(values):.2f})"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--chorus", required=True, help="the chorus binary (a release build)")
    parser.add_argument("--count", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=3)
    options = parser.parse_args()
    results = {"idle connection": [], "idle stream": []}
    for _ in range(options.repeat):
        for name, stream in (("idle connection", False), ("idle stream", True)):
            results[name].append(measure(options.chorus, options.count, stream))
    print(f"{options.count} connections, {options.repeat} repetitions (a fresh node each), node RSS per connection:")
    for name, values in results.items():
        print(f"  {name:16} {summary(values)}")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Memory a node spends on replays that their clients never read.

Starts one `chorus serve` node (embedded bus) on a free loopback port, publishes `--events` events
of `--size` bytes, then opens `--clients` anonymous streams that ask for the whole history with an
old Last-Event-ID and never read a byte. Samples the node's RSS (VmRSS) while they hang on, and
reports it before, at the peak, and after the node has cut them off. Loopback only, bounded in
time; stops the node by PID.

    python3 bench/replay-amplification.py --chorus .build/release/chorus
"""
import argparse
import json
import socket
import time

from local_node import node, request


def rss_mib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--chorus", default=".build/release/chorus")
    parser.add_argument("--events", type=int, default=500)
    parser.add_argument("--size", type=int, default=10 * 1024)
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--seconds", type=int, default=60, help="how long to watch")
    parser.add_argument("--extra", nargs="*", default=[])
    args = parser.parse_args()
    clients = []
    with node(args.chorus, *args.extra) as (port, process):
        try:
            payload = "x" * args.size
            first = None
            for index in range(args.events):
                ids = request(port, "/publish", json.dumps({"scope": "r", "data": f"{index} {payload}"}).encode())["ids"]
                first = first or ids[0]
            before = rss_mib(process.pid)
            for _ in range(args.clients):
                s = socket.socket()
                s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
                s.connect(("127.0.0.1", port))
                s.sendall(f"GET /events?scope=r HTTP/1.1\r\nHost: 127.0.0.1\r\nLast-Event-ID: {first}\r\n\r\n".encode())
                clients.append(s)
            peak, start, cut_off_after = before, time.time(), None
            while time.time() - start < args.seconds:
                peak = max(peak, rss_mib(process.pid))
                if cut_off_after is None and request(port, "/healthz")["connections"] == 0:
                    cut_off_after = round(time.time() - start, 1)
                time.sleep(0.25)
            print(json.dumps({
                "events": args.events, "event_bytes": args.size, "clients": args.clients,
                "rss_mib": {"before": before, "peak": peak, "after": rss_mib(process.pid)},
                "all_cut_off_after_s": cut_off_after,
                "still_connected": request(port, "/healthz")["connections"],
                "flags": args.extra,
            }, indent=2))
        finally:
            for s in clients:
                s.close()


if __name__ == "__main__":
    main()

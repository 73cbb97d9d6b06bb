#!/usr/bin/env python3
"""Kernel memory left behind by slow clients that a node cuts off.

Starts one `chorus serve` node (embedded bus) on a free loopback port, opens N streams whose
clients never read (4 KiB receive buffers), publishes 2 KiB events at a steady rate until the node
has cut every one of them off, and reports the kernel's TCP memory and orphaned sockets
(/proc/net/sockstat) before, at the peak, and after. The clients keep their sockets open and keep
not reading the whole time, as stuck browsers do. Loopback only; bounded in count and time; stops
the node by PID.

    python3 bench/slow-clients.py --chorus .build/release/chorus --clients 2000
"""
import argparse
import json
import os
import socket
import time

from local_node import node, request


def sockstat():
    with open("/proc/net/sockstat") as f:
        for line in f:
            if line.startswith("TCP:"):
                parts = line.split()
                return dict(zip(parts[1::2], map(int, parts[2::2])))
    return {}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--chorus", default=".build/release/chorus")
    parser.add_argument("--clients", type=int, default=2000)
    parser.add_argument("--rate", type=int, default=100, help="events per second")
    parser.add_argument("--seconds", type=int, default=120, help="longest publishing time")
    parser.add_argument("--extra", nargs="*", default=[], help="more `chorus serve` flags")
    args = parser.parse_args()
    page = os.sysconf("SC_PAGE_SIZE")
    clients = []
    with node(args.chorus, "--max-connections", str(args.clients + 100), *args.extra) as (port, _):
        try:
            before = sockstat()
            for _ in range(args.clients):
                s = socket.socket()
                s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
                s.connect(("127.0.0.1", port))
                s.sendall(b"GET /events?scope=slow HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                clients.append(s)
            deadline = time.time() + 30
            while request(port, "/healthz")["connections"] < args.clients and time.time() < deadline:
                time.sleep(0.1)
            payload = "x" * 2048
            peak = dict(before)
            start = time.time()
            sent = 0
            while time.time() - start < args.seconds:
                request(port, "/publish", json.dumps({"scope": "slow", "data": f"{sent} {payload}"}).encode(), timeout=5)
                sent += 1
                if sent % args.rate == 0:
                    peak = max(peak, sockstat(), key=lambda v: v.get("mem", 0))
                    if request(port, "/healthz")["connections"] == 0:
                        break
                time.sleep(max(0, start + sent / args.rate - time.time()))
            time.sleep(2)
            after = sockstat()
            stages = (("before", before), ("peak", peak), ("after", after))
            print(json.dumps({
                "clients": args.clients, "events": sent, "seconds": round(time.time() - start, 1),
                "still_connected": request(port, "/healthz")["connections"],
                "tcp_mem_mib": {k: round(v.get("mem", 0) * page / 2**20, 1) for k, v in stages},
                "orphans": {k: v.get("orphan", 0) for k, v in stages},
                "flags": args.extra,
            }, indent=2))
        finally:
            for s in clients:
                s.close()


if __name__ == "__main__":
    main()

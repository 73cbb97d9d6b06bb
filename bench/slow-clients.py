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
import signal
import socket
import subprocess
import sys
import time
import urllib.request


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def sockstat():
    with open("/proc/net/sockstat") as f:
        for line in f:
            if line.startswith("TCP:"):
                parts = line.split()
                values = dict(zip(parts[1::2], map(int, parts[2::2])))
                return values
    return {}


def health(port):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as response:
        return json.load(response)


def publish(port, data):
    body = json.dumps({"scope": "slow", "data": data}).encode()
    request = urllib.request.Request(f"http://127.0.0.1:{port}/publish", data=body, method="POST",
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=5) as response:
        return response.status


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--chorus", default=".build/release/chorus")
    parser.add_argument("--clients", type=int, default=2000)
    parser.add_argument("--rate", type=int, default=100, help="events per second")
    parser.add_argument("--seconds", type=int, default=120, help="longest publishing time")
    parser.add_argument("--extra", nargs="*", default=[], help="more `chorus serve` flags")
    args = parser.parse_args()
    page = os.sysconf("SC_PAGE_SIZE")
    port = free_port()
    node = subprocess.Popen([args.chorus, "serve", "--port", str(port), "--max-connections", str(args.clients + 100),
                             "--log-level", "warning", *args.extra], stdin=subprocess.DEVNULL)
    clients = []
    try:
        for _ in range(100):
            try:
                health(port)
                break
            except OSError:
                time.sleep(0.1)
        before = sockstat()
        for _ in range(args.clients):
            s = socket.socket()
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            s.connect(("127.0.0.1", port))
            s.sendall(b"GET /events?scope=slow HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            clients.append(s)
        deadline = time.time() + 30
        while health(port)["connections"] < args.clients and time.time() < deadline:
            time.sleep(0.1)
        payload = "x" * 2048
        peak = dict(before)
        start = time.time()
        sent = 0
        while time.time() - start < args.seconds:
            publish(port, f"{sent} {payload}")
            sent += 1
            if sent % args.rate == 0:
                now = sockstat()
                peak = max(peak, now, key=lambda v: v.get("mem", 0))
                if health(port)["connections"] == 0:
                    break
            time.sleep(max(0, start + sent / args.rate - time.time()))
        time.sleep(2)
        after = sockstat()
        remaining = health(port)["connections"]
        report = {
            "clients": args.clients, "events": sent, "seconds": round(time.time() - start, 1),
            "still_connected": remaining,
            "tcp_mem_mib": {k: round(v.get("mem", 0) * page / 2**20, 1) for k, v in (("before", before), ("peak", peak), ("after", after))},
            "orphans": {k: v.get("orphan", 0) for k, v in (("before", before), ("peak", peak), ("after", after))},
            "flags": args.extra,
        }
        print(json.dumps(report, indent=2))
    finally:
        for s in clients:
            s.close()
        node.send_signal(signal.SIGTERM)
        try:
            node.wait(timeout=15)
        except subprocess.TimeoutExpired:
            node.kill()


if __name__ == "__main__":
    main()

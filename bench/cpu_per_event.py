#!/usr/bin/env python3
"""CPU per event of every process in the matrix's topology, in the delivery phase only.

    python3 bench/cpu_per_event.py --tool .build-bench/release/chorus-bench --chorus .build-bench/release/chorus --scenario s3 --repeat 3
    python3 bench/cpu_per_event.py --tool .build-bench/release/chorus-bench --nchan --scenario s3 --repeat 3
    gcc -O2 -pthread -o /tmp/minimal_node bench/minimal_node.c -lhiredis
    python3 bench/cpu_per_event.py --tool .build-bench/release/chorus-bench --minimal /tmp/minimal_node --scenario s3 --repeat 3

Starts redis-server and two nodes (Chorus, nginx with Nchan from bench/nchan.conf.template, or the
minimal C node) on
127.0.0.1, runs chorus-bench with the matrix's flags for the scenario, and reads each process's
CPU time (utime + stime, /proc) from the moment every subscriber is connected (the tool's
--ready-file) to the end of the run: microseconds of CPU per published event for node A (which
takes the publishes), node B, Redis and the tool. Node B's figure is delivery alone; node A's
minus node B's is what a publish costs. Every process is stopped by PID at the end.
"""
import argparse
import json
import os
import socket
import statistics
import subprocess
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCENARIOS = {
    "s1": "-n 1000 --scopes 1 -e 2000 --publishers 8",
    "s2": "-n 10000 --scopes 1 -e 300 --drain-timeout 30 --publishers 8",
    "s3": "-n 10000 --scopes 1000 -e 20000 --drain-timeout 30 --publishers 8",
    "s4": "-n 1000 --scopes 1 -e 1000 --rate 100 --publishers 4",
}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cpu_seconds(pids):
    total = 0.0
    for pid in pids:
        try:
            fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except OSError:
            pass
    return total


def family(pid):
    children = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
    return [pid] + [int(c) for c in children]


def run_once(args, work):
    redis_port, port_a, port_b = free_port(), free_port(), free_port()
    key = "bench-cpu-per-event-key"
    procs = [subprocess.Popen(["redis-server", "--bind", "127.0.0.1", "--port", str(redis_port), "--save", "", "--appendonly", "no"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
    try:
        time.sleep(0.5)
        for port in (port_a, port_b):
            if args.nchan:
                directory = tempfile.mkdtemp(dir=work)
                conf = open(os.path.join(ROOT, "bench", "nchan.conf.template")).read()
                conf = conf.replace("@PORT@", str(port)).replace("@REDIS_PORT@", str(redis_port)).replace("@DIR@", directory)
                open(os.path.join(directory, "nginx.conf"), "w").write(conf)
                command = ["nginx", "-c", os.path.join(directory, "nginx.conf"), "-p", directory]
            elif args.minimal:
                command = [args.minimal, str(port), str(redis_port)]
            else:
                command = [args.chorus, "serve", "--host", "127.0.0.1", "--port", str(port), "--redis", f"redis://127.0.0.1:{redis_port}",
                           "--heartbeat", "15s", "--max-connections", "15000", "--queue-size", "4096", "--log-level", "warning",
                           "--publisher-key", key]
            procs.append(subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        time.sleep(2)
        if args.nchan or args.minimal:
            urls = ["--subscribe-url", f"http://127.0.0.1:{port_a}/sub/{{scope}}", "--subscribe-url", f"http://127.0.0.1:{port_b}/sub/{{scope}}",
                    "--publish-url", f"http://127.0.0.1:{port_a}/pub/{{scope}}", "--publish-format", "raw"]
        else:
            urls = ["--subscribe-url", f"http://127.0.0.1:{port_a}/events?scope={{scope}}", "--subscribe-url", f"http://127.0.0.1:{port_b}/events?scope={{scope}}",
                    "--publish-url", f"http://127.0.0.1:{port_a}/publish", "--publish-format", "chorus-json",
                    "--publish-header", f"Authorization: Bearer {key}"]
        ready = os.path.join(work, f"ready-{time.monotonic_ns()}")
        tool = subprocess.Popen([args.tool] + urls + SCENARIOS[args.scenario].split() +
                                ["--payload", "64", "--json", "--no-progress", "--ready-file", ready],
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        procs.append(tool)
        groups = {"nodeA": family(procs[1].pid), "nodeB": family(procs[2].pid), "redis": [procs[0].pid], "tool": [tool.pid]}
        deadline = time.time() + 300
        while not os.path.exists(ready) and tool.poll() is None and time.time() < deadline:
            time.sleep(0.01)
        start = {name: cpu_seconds(pids) for name, pids in groups.items()}
        last = start
        while tool.poll() is None and time.time() < deadline:
            last = {name: cpu_seconds(pids) for name, pids in groups.items()}
            time.sleep(0.05)
        result = json.loads(tool.communicate(timeout=60)[0].strip().splitlines()[-1])
        events = max(1, result["eventsPublished"])
        row = {name: round((last[name] - start[name]) * 1e6 / events) for name in groups}
        row.update(deliveriesPerSecond=round(result["deliveriesPerSecond"]), lost=result["lostDeliveries"])
        return row
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tool", required=True)
    parser.add_argument("--chorus")
    parser.add_argument("--nchan", action="store_true")
    parser.add_argument("--minimal", help="bench/minimal_node.c, compiled")
    parser.add_argument("--scenario", choices=sorted(SCENARIOS), default="s3")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if sum(map(bool, (args.nchan, args.chorus, args.minimal))) != 1:
        parser.error("one of --chorus BIN, --nchan, --minimal BIN")
    rows = []
    with tempfile.TemporaryDirectory() as work:
        for _ in range(args.repeat):
            row = run_once(args, work)
            print(json.dumps(row), flush=True)
            rows.append(row)
    keys = ["nodeA", "nodeB", "redis", "tool", "deliveriesPerSecond"]
    print("medians:", {k: statistics.median(r[k] for r in rows) for k in keys}, "(CPU in microseconds per event)")


if __name__ == "__main__":
    main()

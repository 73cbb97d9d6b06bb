#!/usr/bin/env python3
"""A/B of Chorus builds in the matrix's topology (1 redis-server + 2 nodes, publisher on node A,
subscribers alternating over A and B), with the matrix's chorus-bench flags, runs interleaved
(A B A B ...) so that the machine's load hits every variant alike; prints each run and the medians.

    bench/ab_cluster.py --tool BIN/chorus-bench --variant base=OLD/chorus --variant new=NEW/chorus \\
        --scenario s1 --scenario s4 --repeat 3

A variant is LABEL=PATH or LABEL=PATH@ENV=VALUE;ENV=VALUE (environment for its nodes). Scenarios:
s1 (fan-out), s2 (wide), s3 (many scopes), s4 (latency), as in bench/run-matrix.sh, and pub (s3's
publishes with nobody subscribed: the publish path alone). Every process
listens on 127.0.0.1, every run is bounded by a timeout, and only the processes this script
started are stopped (by PID). Results go to --out (default /tmp/chorus-ab-cluster) as JSON lines.
"""
import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request

SCENARIOS = {
    "s1": ["-n", "1000", "--scopes", "1", "-e", "2000", "--payload", "64", "--publishers", "8"],
    "s2": ["-n", "10000", "--scopes", "1", "-e", "300", "--payload", "64", "--publishers", "8", "--drain-timeout", "30"],
    "s3": ["-n", "10000", "--scopes", "1000", "-e", "20000", "--payload", "64", "--publishers", "8", "--drain-timeout", "30"],
    "s4": ["-n", "1000", "--scopes", "1", "-e", "1000", "--rate", "100", "--payload", "64", "--publishers", "4"],
    # The publish path alone: s3's publishes with nobody subscribed.
    "pub": ["-n", "0", "--scopes", "1000", "-e", "20000", "--payload", "64", "--publishers", "8"],
}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cpu_seconds(pid):
    try:
        fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except OSError:
        return 0.0


def thread_cpu(pid):
    """utime+stime per thread name, in seconds."""
    result = {}
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            try:
                stat = open(f"/proc/{pid}/task/{tid}/stat").read()
                name = stat[stat.index("(") + 1:stat.rindex(")")]
                fields = stat.rsplit(")", 1)[1].split()
                result[name] = result.get(name, 0) + (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
            except (OSError, ValueError):
                pass
    except OSError:
        pass
    return result


class System:
    def __init__(self, chorus, env, workdir, label):
        self.procs = []
        self.redis_port, self.port_a, self.port_b = free_port(), free_port(), free_port()
        self.logs = []
        redis_log = open(os.path.join(workdir, f"{label}-redis.log"), "w")
        self.logs.append(redis_log)
        self.redis = subprocess.Popen(["redis-server", "--bind", "127.0.0.1", "--port", str(self.redis_port), "--save", "",
                                       "--appendonly", "no"], stdout=redis_log, stderr=subprocess.STDOUT)
        self.procs.append(self.redis)
        for _ in range(50):
            if subprocess.run(["redis-cli", "-p", str(self.redis_port), "ping"], capture_output=True).returncode == 0:
                break
            time.sleep(0.1)
        node_env = dict(os.environ, **env)
        self.nodes = []
        for port in (self.port_a, self.port_b):
            log = open(os.path.join(workdir, f"{label}-node-{port}.log"), "w")
            self.logs.append(log)
            node = subprocess.Popen([chorus, "serve", "--host", "127.0.0.1", "--port", str(port), "--redis",
                                     f"redis://127.0.0.1:{self.redis_port}", "--heartbeat", "15s", "--max-connections", "15000",
                                     "--queue-size", "4096", "--log-level", "warning"], stdout=log, stderr=subprocess.STDOUT, env=node_env)
            self.procs.append(node)
            self.nodes.append(node)
        for port in (self.port_a, self.port_b):
            deadline = time.time() + 30
            while True:
                try:
                    urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1).read()
                    break
                except Exception:
                    if time.time() > deadline:
                        raise RuntimeError(f"node on {port} did not start")
                    time.sleep(0.2)
        time.sleep(1)

    def urls(self):
        return ["--subscribe-url", f"http://127.0.0.1:{self.port_a}/events?scope={{scope}}",
                "--subscribe-url", f"http://127.0.0.1:{self.port_b}/events?scope={{scope}}",
                "--publish-url", f"http://127.0.0.1:{self.port_a}/publish", "--publish-format", "chorus-json"]

    def stop(self):
        for proc in self.procs:
            if proc.poll() is None:
                proc.terminate()
        for proc in self.procs:
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        for log in self.logs:
            log.close()


def run_once(tool, label, chorus, env, scenario, workdir, threads_report):
    system = System(chorus, env, workdir, label)
    try:
        before = [cpu_seconds(p.pid) for p in system.nodes] + [cpu_seconds(system.redis.pid)]
        threads_before = [thread_cpu(p.pid) for p in system.nodes]
        load = open("/proc/loadavg").read().split()[:3]
        started = time.time()
        out = subprocess.run(["timeout", "300", tool, *system.urls(), *SCENARIOS[scenario], "--json", "--no-progress", "--label", label],
                             capture_output=True, text=True)
        wall = time.time() - started
        after = [cpu_seconds(p.pid) for p in system.nodes] + [cpu_seconds(system.redis.pid)]
        threads_after = [thread_cpu(p.pid) for p in system.nodes]
        try:
            result = json.loads(out.stdout.strip().splitlines()[-1])
        except Exception:
            return {"label": label, "scenario": scenario, "failed": out.stderr[-500:]}
        lat = result.get("latencyMs") or {}
        pub = result.get("publishLatencyMs") or {}
        row = {
            "label": label, "scenario": scenario, "load": " ".join(load),
            "deliveriesPerSecond": round(result.get("deliveriesPerSecond", 0)),
            "publishRate": round(result.get("publishRate", 0), 1),
            "lost": result.get("lostDeliveries"),
            "p50": lat.get("p50"), "p90": lat.get("p90"), "p99": lat.get("p99"), "max": lat.get("max"),
            "publishP50": pub.get("p50"), "publishP99": pub.get("p99"),
            "cpuA": round(after[0] - before[0], 2), "cpuB": round(after[1] - before[1], 2), "cpuRedis": round(after[2] - before[2], 2),
            "cpuTool": result.get("toolCPUSeconds"), "wall": round(wall, 1),
        }
        if threads_report:
            row["threadsA"] = {k: round(v - threads_before[0].get(k, 0), 2) for k, v in threads_after[0].items() if v - threads_before[0].get(k, 0) > 0.05}
            row["threadsB"] = {k: round(v - threads_before[1].get(k, 0), 2) for k, v in threads_after[1].items() if v - threads_before[1].get(k, 0) > 0.05}
        return row
    finally:
        system.stop()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tool", required=True)
    parser.add_argument("--variant", action="append", required=True, help="LABEL=PATH[@ENV=VALUE;...]")
    parser.add_argument("--scenario", action="append", required=True, choices=sorted(SCENARIOS))
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--threads", action="store_true", help="also report CPU seconds per node thread")
    parser.add_argument("--out", default="/tmp/chorus-ab-cluster")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    variants = []
    for text in args.variant:
        label, rest = text.split("=", 1)
        path, _, envtext = rest.partition("@")
        env = dict(item.split("=", 1) for item in envtext.split(";") if item)
        variants.append((label, path, env))
    results = open(os.path.join(args.out, "results.jsonl"), "a")
    rows = []
    for scenario in args.scenario:
        for repetition in range(args.repeat):
            order = variants if repetition % 2 == 0 else list(reversed(variants))
            for label, path, env in order:
                row = run_once(args.tool, label, path, env, scenario, args.out, args.threads)
                row["repetition"] = repetition
                print(json.dumps(row), flush=True)
                results.write(json.dumps(row) + "\n")
                results.flush()
                rows.append(row)
    print("\nmedians (min-max):")
    for scenario in args.scenario:
        for label, _, _ in variants:
            mine = [r for r in rows if r["scenario"] == scenario and r["label"] == label and "failed" not in r]
            if not mine:
                print(f"{scenario} {label}: no result")
                continue
            def m(key):
                values = [r[key] for r in mine if r.get(key) is not None]
                if not values:
                    return "-"
                return f"{statistics.median(values):g} ({min(values):g}-{max(values):g})"
            print(f"{scenario} {label} n={len(mine)}: deliveries/s {m('deliveriesPerSecond')}, publish/s {m('publishRate')}, "
                  f"p50 {m('p50')}, p90 {m('p90')}, p99 {m('p99')}, max {m('max')}, publish p50 {m('publishP50')} p99 {m('publishP99')}, "
                  f"cpu A {m('cpuA')} B {m('cpuB')} redis {m('cpuRedis')} tool {m('cpuTool')}, lost {m('lost')}")


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Turns bench/results/*.json into BENCHMARKS.md and bench/latency.png.

Usage: bench/report.py RESULTS_DIR BENCHMARKS_MD LATENCY_PNG

The analysis paragraphs come from bench/analysis.md (written by a person, kept next to this
script), because numbers can be generated but explanations cannot.
"""
import json
import os
import sys
from datetime import datetime, timezone

results_dir, markdown_path, png_path = sys.argv[1:4]
bench_dir = os.path.dirname(os.path.abspath(__file__))


def load(name):
    path = os.path.join(results_dir, name + ".json")
    if not os.path.exists(path):
        return None
    with open(path) as f:
        return json.load(f)


SYSTEMS = ["chorus", "nchan"]
machine = load("machine") or {}


def get(system, scenario, *keys):
    data = load(f"{system}-{scenario}")
    if data is None or data.get("failed"):
        return None
    for key in keys:
        if data is None:
            return None
        data = data.get(key)
    return data


def fmt(value, digits=0, unit=""):
    if value is None:
        return "—"
    if isinstance(value, float) and digits == 0:
        return f"{value:,.0f}{unit}"
    return f"{value:,.{digits}f}{unit}"


def ratio(chorus, nchan, higher_is_better=True):
    if chorus is None or nchan is None or chorus == 0 or nchan == 0:
        return "—"
    r = chorus / nchan
    return f"{r:.2f}×"


def loss(system, scenario):
    data = load(f"{system}-{scenario}")
    if data is None:
        return None
    if data.get("failed"):
        return "run failed"
    lost = data.get("lostDeliveries", 0)
    errs = data.get("connectErrors", 0)
    dropped = data.get("droppedAfterConnect", 0)
    text = f"{lost:,} lost"
    if errs:
        text += f", {errs:,} not connected"
    if dropped:
        text += f", {dropped:,} dropped"
    return text


rows = []


def row(scenario, metric, c, n, r, goal="", met=""):
    rows.append((scenario, metric, c, n, r, goal, met))


def goal_check(ok):
    if ok is None:
        return "—"
    return "yes" if ok else "**no**"


for key, title, target in [("s1-fanout", "1. fan-out (1 scope, 1,000 subs, 2,000 ev, 64 B, max rate)", 3),
                           ("s2-wide", "2. wide fan-out (1 scope, 10,000 subs, 300 ev)", 3),
                           ("s3-scopes", "3. many scopes (1,000 × 10 subs, 20,000 ev round-robin)", 3)]:
    c = get("chorus", key, "deliveriesPerSecond")
    n = get("nchan", key, "deliveriesPerSecond")
    ok = None if c is None or n is None else c >= target * n
    row(title, "deliveries/s", fmt(c), fmt(n), ratio(c, n), f"≥ {target}× Nchan", goal_check(ok))
    row("", "publish rate accepted (events/s)", fmt(get("chorus", key, "publishRate"), 0),
        fmt(get("nchan", key, "publishRate"), 0), ratio(get("chorus", key, "publishRate"), get("nchan", key, "publishRate")))
    row("", "latency p50 / p99 (ms)",
        f"{fmt(get('chorus', key, 'latencyMs', 'p50'), 1)} / {fmt(get('chorus', key, 'latencyMs', 'p99'), 1)}",
        f"{fmt(get('nchan', key, 'latencyMs', 'p50'), 1)} / {fmt(get('nchan', key, 'latencyMs', 'p99'), 1)}", "")
    cl, nl = loss("chorus", key), loss("nchan", key)
    row("", "loss", cl or "—", nl or "—", "", "zero",
        goal_check(None if cl is None else get("chorus", key, "lostDeliveries") == 0 and get("chorus", key, "connectErrors") == 0))

key = "s4-latency"
for label, field in [("p50", "p50"), ("p90", "p90"), ("p99", "p99"), ("max", "max")]:
    c = get("chorus", key, "latencyMs", field)
    n = get("nchan", key, "latencyMs", field)
    goal, met = "", ""
    if field == "p99":
        goal = "≤ Nchan/10 and < 10 ms"
        met = goal_check(None if c is None or n is None else (c <= n / 10 and c < 10))
    row("4. latency, 1,000 subs, 100 ev/s for 10 s" if field == "p50" else "", f"latency {label} (ms)",
        fmt(c, 2), fmt(n, 2), ratio(c, n), goal, met)
cl, nl = loss("chorus", key), loss("nchan", key)
row("", "loss", cl or "—", nl or "—", "", "zero",
    goal_check(None if cl is None else get("chorus", key, "lostDeliveries") == 0))


def per_connection(system):
    data = load(f"{system}-s5-rss")
    if not data or not data.get("connections"):
        return None, None, None
    conns = data["connections"]
    per_node = conns / 2
    a = (data["nodeA"]["rssAfterKB"] - data["nodeA"]["rssBeforeKB"]) / per_node
    b = (data["nodeB"]["rssAfterKB"] - data["nodeB"]["rssBeforeKB"]) / per_node
    return a, b, conns


ca, cb, cc = per_connection("chorus")
na, nb, nc = per_connection("nchan")
row("5. memory, 10,000 idle connections (5,000 per node)", "RSS per idle connection, node A (kB)", fmt(ca, 1), fmt(na, 1), ratio(ca, na),
    "≤ Nchan", goal_check(None if ca is None or na is None else ca <= na))
row("", "RSS per idle connection, node B (kB)", fmt(cb, 1), fmt(nb, 1), ratio(cb, nb), "≤ Nchan",
    goal_check(None if cb is None or nb is None else cb <= nb))

for system_label, field in [("node A (publisher's node)", "nodeACPUSeconds"), ("node B", "nodeBCPUSeconds"), ("redis-server", "redisCPUSeconds")]:
    c = (load("chorus-s6-cpu") or {}).get(field)
    n = (load("nchan-s6-cpu") or {}).get(field)
    row("6. CPU seconds during scenario 1" if field == "nodeACPUSeconds" else "", system_label, fmt(c, 2), fmt(n, 2), ratio(c, n))
row("", "chorus-bench itself", fmt(get("chorus", "s1-fanout", "toolCPUSeconds"), 2), fmt(get("nchan", "s1-fanout", "toolCPUSeconds"), 2),
    "", "", "")
row("", "wall seconds of the run", fmt((load("chorus-s6-cpu") or {}).get("wallSeconds"), 1),
    fmt((load("nchan-s6-cpu") or {}).get("wallSeconds"), 1), "")

# ---------------------------------------------------------------- plot
plotted = False
try:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(12, 4.5))
    for ax, (key, title) in zip(axes, [("s4-latency", "4. steady 100 ev/s, 1,000 subscribers"),
                                       ("s1-fanout", "1. fan-out at max rate, 1,000 subscribers")]):
        for system, color in [("chorus", "tab:blue"), ("nchan", "tab:orange")]:
            dist = get(system, key, "latencyMs", "distribution")
            if not dist:
                continue
            xs = [min(p, 99.999) for p, _ in dist]
            ys = [max(v, 0.001) for _, v in dist]
            ax.plot([1 / (1 - x / 100) for x in xs], ys, marker="o", label=system.capitalize(), color=color)
            plotted = True
        ax.set_xscale("log")
        ax.set_yscale("log")
        ticks = [0, 50, 90, 99, 99.9, 99.99]
        ax.set_xticks([1 / (1 - t / 100) for t in ticks])
        ax.set_xticklabels([f"p{t:g}" for t in ticks])
        ax.set_ylabel("publish → receive latency (ms)")
        ax.set_title(title)
        ax.grid(True, which="both", alpha=0.3)
        ax.legend()
    fig.suptitle("Chorus vs Nchan, 2 nodes + Redis each, same load tool (chorus-bench)")
    fig.tight_layout()
    if plotted:
        fig.savefig(png_path, dpi=110)
except ImportError:
    pass

# ---------------------------------------------------------------- markdown
def commands():
    lines = []
    for system in SYSTEMS:
        for key in ["s1-fanout", "s2-wide", "s3-scopes", "s4-latency", "s5-memory"]:
            data = load(f"{system}-{key}")
            if data and data.get("args"):
                lines.append(f"{system:6} {key:11} chorus-bench <{system} URLs> {data['args']}")
    return "\n".join(lines)


analysis_path = os.path.join(bench_dir, "analysis.md")
analysis = open(analysis_path).read().strip() if os.path.exists(analysis_path) else "_No analysis written yet._"

generated = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
table = ["| scenario | metric | Chorus | Nchan | Chorus / Nchan | goal | met |",
         "|---|---|---:|---:|---:|---|---|"]
for r in rows:
    table.append("| " + " | ".join(str(x) for x in r) + " |")

md = f"""# Benchmarks: Chorus and Nchan, side by side

_Generated by `bench/report.py` from `bench/results/*.json` on {generated}. Do not edit by hand:
edit `bench/analysis.md` or the scripts and rerun._

## Reproduce

```sh
bench/run-matrix.sh                    # all scenarios, both systems (about 10 minutes)
SCENARIOS="1 4" bench/run-matrix.sh    # a subset
```

The script installs what is missing (`nginx`, `libnginx-mod-nchan`, `redis-server` with apt,
`matplotlib` with pip), raises the file-descriptor limit, builds `chorus` and `chorus-bench` in
release (`swift build -c release --scratch-path .build-bench`), then per system starts one
`redis-server` and two nodes on 127.0.0.1, runs the scenarios, stops exactly the processes it
started, and regenerates this page and `bench/latency.png`.

## Method

- **One load tool for both systems**: `chorus-bench` (`Sources/chorus-bench`, `Sources/ChorusBench`),
  a SwiftNIO program: one channel per SSE subscriber with a hand-written HTTP/1.1 response parser
  (chunked or not) and a byte scanner for `data:` lines, TCP_NODELAY on every socket, per-event-loop
  counters and HdrHistograms merged at the end (no lock per event). Event data is
  `<send_unix_nanos> <sequence> xxx…` padded to the payload size; latency is receive time minus that
  stamp (same machine, same clock). Loss is counted per subscriber: deliveries received versus events
  accepted (2xx) for its scope. Connections are opened 256 at a time, the publisher starts 1 s after
  the last one connected, and the tool waits (bounded) for the deliveries to drain.
- **Topology** per system: 1 `redis-server` + node A + node B; the publisher posts to node A,
  subscribers alternate between A and B (so half of every fan-out crosses Redis).
  Chorus: `chorus serve --redis … --queue-size 4096 --max-connections 15000` (a publisher key
  when the node supports one). Nchan: nginx with `nchan_redis_server` upstream,
  `nchan_subscriber eventsource`, `worker_processes auto` (see `bench/nchan.conf.template`).
- **Publishing**: 8 keep-alive connections (4 in scenario 4), one request in flight each, one event
  per request (`POST /publish` JSON for Chorus, `POST /pub/<scope>` raw body for Nchan).
- **Memory**: VmRSS of each node process (nginx: master + workers) before and 5 s after 10,000
  idle subscribers connected, divided by the 5,000 connections of that node.
- **CPU**: utime+stime from `/proc/PID/stat` of each node (nginx: master + workers) and Redis,
  before and after scenario 1; the tool reports its own `getrusage`.
- **Nagle**: the tool sets TCP_NODELAY. Chorus's listener (SwiftNIO `ServerBootstrap`) sets
  TCP_NODELAY by default, so its streams have Nagle off; nginx is used as configured above.

## Machine

| | |
|---|---|
| CPU | {machine.get('cpu', '?')} ({machine.get('cores', '?')} cores) |
| memory | {machine.get('memory', '?')} |
| OS / kernel | {machine.get('os', '?')} / {machine.get('kernel', '?')} |
| Swift | {machine.get('swift', '?')} |
| nginx / nchan | {machine.get('nginx', '?')} / {machine.get('nchan', '?')} |
| Redis | {machine.get('redis', '?')} |
| file-descriptor limit | {machine.get('fdLimit', '?')} {('— ' + machine['fdNote']) if machine.get('fdNote') else ''} |
| load average at the start | {machine.get('loadAverage', '?')} |

Load tool, nodes and Redis all share the same 2 cores, so every number here includes the
contention between them: they are comparisons on one machine, not capacity figures.

## Results

{chr(10).join(table)}

Ratios are Chorus / Nchan (above 1 is better for deliveries/s, worse for latency, memory and CPU).
"—" means the scenario was not run or did not produce a number.

![latency by percentile](bench/latency.png)

## Where Chorus is behind, and why

{analysis}

## Exact command lines

`<chorus URLs>` is `--subscribe-url 'http://127.0.0.1:A/events?scope={{scope}}' --subscribe-url
'http://127.0.0.1:B/events?scope={{scope}}' --publish-url http://127.0.0.1:A/publish --publish-format
chorus-json --publish-header 'Authorization: Bearer <key>'` (the header only when `chorus serve` has
`--publisher-key`); `<nchan URLs>` is `--subscribe-url 'http://127.0.0.1:A/sub/{{scope}}'
--subscribe-url 'http://127.0.0.1:B/sub/{{scope}}' --publish-url 'http://127.0.0.1:A/pub/{{scope}}'
--publish-format raw`. Every run adds `--json --no-progress --label <system>-<scenario>`.

```
{commands()}
```
"""
with open(markdown_path, "w") as f:
    f.write(md)
print(f"wrote {markdown_path}" + (f" and {png_path}" if plotted else " (no plot: no latency data)"))

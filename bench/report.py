#!/usr/bin/env python3
"""Turns bench/results/*.json into BENCHMARKS.md and bench/latency.png.

Usage: bench/report.py RESULTS_DIR BENCHMARKS_MD LATENCY_PNG

Every scenario has one JSON file per repetition (`<system>-<scenario>.r<N>.json`, written by
bench/run-matrix.sh); a file without `.r<N>` (older runs) counts as a single repetition. Each cell
of the results table is the median of the repetitions with their range (min–max); ratios are of
the medians, and the goal column checks issue 14's goals on the medians. A third system, the minimal
node (`bench/minimal_node.c`), is the floor for scenarios 3 and 4: a goal there that it misses as
well is marked out of reach on this machine.

The analysis paragraphs come from bench/analysis.md (written by a person, kept next to this
script), because numbers can be generated but explanations cannot.
"""
import glob
import json
import os
import re
import statistics
import sys
from datetime import datetime, timezone

results_dir, markdown_path, png_path = sys.argv[1:4]
bench_dir = os.path.dirname(os.path.abspath(__file__))

SYSTEMS = ["chorus", "nchan", "minimal"]


def read_json(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return {"failed": True, "unreadable": path}


machine = read_json(os.path.join(results_dir, "machine.json")) if os.path.exists(
    os.path.join(results_dir, "machine.json")) else {}

_runs_cache = {}


def runs(system, scenario):
    """Every repetition's JSON for one system and scenario, in repetition order."""
    key = (system, scenario)
    if key not in _runs_cache:
        found = []
        for path in glob.glob(os.path.join(results_dir, f"{system}-{scenario}.r*.json")):
            match = re.search(r"\.r(\d+)\.json$", path)
            if match:
                data = read_json(path)
                data.setdefault("repetition", int(match.group(1)))
                found.append(data)
        found.sort(key=lambda d: d["repetition"])
        if not found:
            legacy = os.path.join(results_dir, f"{system}-{scenario}.json")
            if os.path.exists(legacy):
                data = read_json(legacy)
                data.setdefault("repetition", 1)
                data.setdefault("runStartedAt", "an earlier single run")
                found = [data]
        _runs_cache[key] = found
    return _runs_cache[key]


def ok_runs(system, scenario):
    return [r for r in runs(system, scenario) if not r.get("failed")]


def dig(data, *keys):
    for key in keys:
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data if isinstance(data, (int, float)) and not isinstance(data, bool) else None


def values(system, scenario, metric):
    """metric: a tuple of keys into the run's JSON, or a function of the run."""
    out = []
    for run in ok_runs(system, scenario):
        v = metric(run) if callable(metric) else dig(run, *metric)
        if v is not None:
            out.append(v)
    return out


def median(vals):
    return statistics.median(vals) if vals else None


def fmt(value, digits=0):
    if value is None:
        return "—"
    return f"{value:,.{digits}f}"


def cell(vals, digits=0):
    """Median, and the range of the repetitions when there are several."""
    if not vals:
        return "—"
    if len(vals) == 1:
        return fmt(vals[0], digits)
    return f"{fmt(median(vals), digits)} ({fmt(min(vals), digits)}–{fmt(max(vals), digits)})"


def ratio(c, n):
    if c is None or n is None or c == 0 or n == 0:
        return "—"
    return f"{c / n:.2f}×"


rows = []
goals = []  # (goal, met: True/False/None, the minimal node meets it: True/False/None)


def row(scenario, metric, c, n, r="", goal="", met="", m=""):
    rows.append((scenario, metric, c, n, m, r, goal, met))


def check(name, ok, floor_ok=None, floor_note=""):
    """Records a goal; floor_ok says whether the minimal node meets it (False: out of reach here),
    floor_note how it misses it."""
    goals.append((name, ok, floor_ok, floor_note))
    if ok is None:
        return "—"
    if ok:
        return "yes"
    if floor_ok is False:
        return "**no**; out of reach here: the minimal node misses it too" + (f" ({floor_note})" if floor_note else "")
    return "**no**"


def meets(m, test):
    return None if m is None else test(m)


def minimal_cell(m, mm, nm, digits=0):
    """The minimal node's cell for a goal's metric, with its ratio to Nchan's median."""
    return cell(m, digits) + (f" ({ratio(mm, nm)} Nchan)" if mm and nm else "")


def loss_cell(system, scenario):
    all_runs = runs(system, scenario)
    if not all_runs:
        return None
    good = ok_runs(system, scenario)
    lost = sum(r.get("lostDeliveries", 0) for r in good)
    errs = sum(r.get("connectErrors", 0) for r in good)
    dropped = sum(r.get("droppedAfterConnect", 0) for r in good)
    text = f"{lost:,} lost"
    if errs:
        text += f", {errs:,} not connected"
    if dropped:
        text += f", {dropped:,} dropped"
    text += f" in {len(good)} run{'s' if len(good) != 1 else ''}"
    failed = len(all_runs) - len(good)
    if failed:
        text += f"; {failed} run{'s' if failed != 1 else ''} failed"
    return text


def no_loss(system, scenario):
    all_runs = runs(system, scenario)
    if not all_runs:
        return None
    return all(not r.get("failed") and r.get("lostDeliveries", 0) == 0 and r.get("connectErrors", 0) == 0
               and r.get("droppedAfterConnect", 0) == 0 for r in all_runs)


def metric_rows(key, label, metric, digits=0):
    c, n, m = (values(system, key, metric) for system in SYSTEMS)
    row("", label, cell(c, digits), cell(n, digits), ratio(median(c), median(n)), m=cell(m, digits))
    return c, n


def loss_row(key, title):
    row("", "loss", loss_cell("chorus", key) or "—", loss_cell("nchan", key) or "—", "", "0",
        check(f"{title}: loss 0", no_loss("chorus", key)), m=loss_cell("minimal", key) or "—")


# ---------------------------------------------------------------- scenarios 1–3
for key, title, short, target in [
        ("s1-fanout", "1. fan-out (1 scope, 1,000 subs, 2,000 ev, 64 B, max rate)", "s1", 4),
        ("s2-wide", "2. wide fan-out (1 scope, 10,000 subs, 300 ev)", "s2", 4),
        ("s3-scopes", "3. many scopes (1,000 × 10 subs, 20,000 ev round-robin)", "s3", 2)]:
    c, n, m = (values(system, key, ("deliveriesPerSecond",)) for system in SYSTEMS)
    cm, nm, mm = median(c), median(n), median(m)
    row(title, "deliveries/s", cell(c), cell(n), ratio(cm, nm), f"≥ {target}× Nchan",
        check(f"{short} deliveries/s ≥ {target}× Nchan", None if cm is None or nm is None else cm >= target * nm,
              # The minimal node is a floor only where batching cannot help (s3), not under overload.
              None if nm is None or short != "s3" else meets(mm, lambda v: v >= target * nm),
              f"its rate is {mm / nm:.2f}× Nchan's" if mm and nm else ""),
        m=minimal_cell(m, mm, nm))
    metric_rows(key, "publish rate accepted (events/s)", ("publishRate",))
    metric_rows(key, "latency p50 (ms)", ("latencyMs", "p50"), 1)
    metric_rows(key, "latency p99 (ms)", ("latencyMs", "p99"), 1)
    loss_row(key, short)

# ---------------------------------------------------------------- scenario 4
key = "s4-latency"
for label, field in [("p50", "p50"), ("p90", "p90"), ("p99", "p99"), ("max", "max")]:
    c, n, m = (values(system, key, ("latencyMs", field)) for system in SYSTEMS)
    cm, nm, mm = median(c), median(n), median(m)
    goal, met = "", ""
    if field == "p99":
        goal = "≤ 5 ms and ≤ 0.5× Nchan"
        # Two halves: say which of them the minimal node misses.
        missed_halves = [] if mm is None or nm is None else (
            (["above 5 ms"] if mm > 5 else []) + ([f"{mm / nm:.3f}× Nchan's"] if mm > 0.5 * nm else []))
        met = check("s4 p99 ≤ 5 ms and ≤ 0.5× Nchan",
                    None if cm is None or nm is None else (cm <= 5 and cm <= 0.5 * nm),
                    None if nm is None else meets(mm, lambda v: v <= 5 and v <= 0.5 * nm),
                    f"its p99 is {mm:.2f} ms: " + " and ".join(missed_halves) if missed_halves else "")
    row("4. latency, 1,000 subs, 100 ev/s for 10 s" if field == "p50" else "", f"latency {label} (ms)",
        cell(c, 2), cell(n, 2), ratio(cm, nm), goal, met,
        m=minimal_cell(m, mm, nm, 2))
metric_rows(key, "deliveries/s (100,000 offered)", ("deliveriesPerSecond",))
loss_row(key, "s4")
floor_p50 = values("floor", key, ("latencyMs", "p50"))
floor_p99 = values("floor", key, ("latencyMs", "p99"))
if floor_p99:
    # Not a system: the kernel's floor for this shape, run after the systems in each repetition.
    row("", "the machine's floor, p50 / p99 (ms): `bench/fanout_floor.c`, same shape, right after each repetition",
        f"{cell(floor_p50, 2)} / {cell(floor_p99, 2)}", "", "", "", "")

# ---------------------------------------------------------------- scenario 5


def rss_per_stream(*nodes):
    def metric(run):
        conns = run.get("connections") or 0
        if not conns:
            return None
        per_node = conns / 2
        delta = sum(run[node]["rssAfterKB"] - run[node]["rssBeforeKB"] for node in nodes)
        return delta / (per_node * len(nodes))
    return metric


def kernel_tcp_per_stream(run):
    """Kernel memory charged to the nodes' stream sockets (ss -m: r + w + f), per socket, in kB."""
    tcp = run.get("kernelTCP") or {}
    if not tcp.get("nodeSockets"):
        return None
    return tcp["nodeBytes"] / tcp["nodeSockets"] / 1024


key = "s5-rss"
c = values("chorus", key, rss_per_stream("nodeA", "nodeB"))
n = values("nchan", key, rss_per_stream("nodeA", "nodeB"))
cm, nm = median(c), median(n)
row("5. memory, 10,000 idle streams (5,000 per node)", "RSS per idle stream, both nodes (kB)", cell(c, 1), cell(n, 1),
    ratio(cm, nm), "≤ 0.5× Nchan and ≤ 5 kB",
    check("memory per idle stream ≤ 0.5× Nchan and ≤ 5 kB",
          None if cm is None or nm is None else (cm <= 0.5 * nm and cm <= 5)))
metric_rows(key, "RSS per idle stream, node A (kB)", rss_per_stream("nodeA"), 1)
metric_rows(key, "RSS per idle stream, node B (kB)", rss_per_stream("nodeB"), 1)
has_kernel = any(values(s, key, kernel_tcp_per_stream) for s in SYSTEMS)
if has_kernel:
    metric_rows(key, "kernel TCP memory per idle stream, nodes' sockets (kB, not in RSS)", kernel_tcp_per_stream, 2)
loss_row("s5-memory", "s5")

# ---------------------------------------------------------------- scenario 6
first = True
for label, field in [("node A (publisher's node)", "nodeACPUSeconds"), ("node B", "nodeBCPUSeconds"),
                     ("redis-server", "redisCPUSeconds")]:
    c, n, m = (values(system, "s6-cpu", (field,)) for system in SYSTEMS)
    row("6. CPU seconds during scenario 1" if first else "", label, cell(c, 2), cell(n, 2), ratio(median(c), median(n)),
        m=cell(m, 2))
    first = False
metric_rows("s1-fanout", "chorus-bench itself", ("toolCPUSeconds",), 2)
metric_rows("s6-cpu", "wall seconds of the run", ("wallSeconds",), 1)

# ---------------------------------------------------------------- plot


def median_run(system, key):
    """The repetition with the median p99 (the lower middle one for an even count), and the others."""
    good = [r for r in ok_runs(system, key) if dig(r, "latencyMs", "p99") is not None
            and (r.get("latencyMs") or {}).get("distribution")]
    if not good:
        return None, []
    ordered = sorted(good, key=lambda r: r["latencyMs"]["p99"])
    mid = ordered[(len(ordered) - 1) // 2]
    return mid, [r for r in good if r is not mid]


NAMES = {"chorus": "Chorus", "nchan": "Nchan", "minimal": "minimal node (C)"}
plotted = False
plot_notes = []
try:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(12, 4.8))
    for ax, (key, title) in zip(axes, [("s4-latency", "4. steady 100 ev/s, 1,000 subscribers"),
                                       ("s1-fanout", "1. fan-out at max rate, 1,000 subscribers")]):
        for system, color in [("chorus", "tab:blue"), ("nchan", "tab:orange"), ("minimal", "tab:gray")]:
            mid, others = median_run(system, key)
            if mid is None:
                continue

            def xy(run):
                dist = run["latencyMs"]["distribution"]
                xs = [min(p, 99.999) for p, _ in dist]
                return [1 / (1 - x / 100) for x in xs], [max(v, 0.001) for _, v in dist]

            for other in others:
                ax.plot(*xy(other), color=color, alpha=0.3, linewidth=1)
            total = len(others) + 1
            ax.plot(*xy(mid), marker="o", linewidth=2, color=color,
                    label=f"{NAMES[system]} (r{mid['repetition']}, median p99 of {total})" if total > 1
                    else NAMES[system])
            plot_notes.append(f"{key} {system}: r{mid['repetition']} of {total}")
            plotted = True
        ax.set_xscale("log")
        ax.set_yscale("log")
        ticks = [0, 50, 90, 99, 99.9, 99.99]
        ax.set_xticks([1 / (1 - t / 100) for t in ticks])
        ax.set_xticklabels([f"p{t:g}" for t in ticks])
        ax.set_ylabel("publish → receive latency (ms)")
        ax.set_title(title)
        ax.grid(True, which="both", alpha=0.3)
        if ax.get_legend_handles_labels()[0]:
            ax.legend()
    fig.suptitle("Chorus vs Nchan (and the minimal C node), 2 nodes + Redis each, same load tool (chorus-bench)\n"
                 "bold: the repetition with the median p99; thin: the other repetitions", fontsize=10)
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
            data = next((r for r in runs(system, key) if r.get("args")), None)
            if data:
                lines.append(f"{system:7} {key:11} chorus-bench <{system} URLs> {data['args']}")
    return "\n".join(lines)


def provenance():
    """Which run and how many repetitions each scenario's numbers come from."""
    lines = ["| scenario | Chorus repetitions | Nchan repetitions | minimal node repetitions | from the run started at |",
             "|---|---:|---:|---:|---|"]
    for key in ["s1-fanout", "s2-wide", "s3-scopes", "s4-latency", "s5-memory"]:
        counts, starts = [], set()
        for system in SYSTEMS:
            all_runs = runs(system, key)
            failed = sum(1 for r in all_runs if r.get("failed"))
            counts.append(f"{len(all_runs)}" + (f" ({failed} failed)" if failed else "") if all_runs else "—")
            starts.update(r.get("runStartedAt", "unknown") for r in all_runs)
        lines.append(f"| {key} | {' | '.join(counts)} | {', '.join(sorted(starts)) or '—'} |")
    return "\n".join(lines)


def goal_summary():
    missed = [name for name, ok, _, _ in goals if ok is False]
    out_of_reach = [name + (f" ({note})" if note else "") for name, ok, floor_ok, note in goals
                    if ok is False and floor_ok is False]
    unknown = [name for name, ok, _, _ in goals if ok is None]
    if not missed and not unknown:
        return f"**Every issue-14 goal is met** ({len(goals)} of {len(goals)}, on the medians)."
    parts = []
    if missed:
        parts.append(f"**Not met ({len(missed)} of {len(goals)}):** " + "; ".join(missed) + ".")
    if out_of_reach:
        parts.append(f"**Out of reach on this machine ({len(out_of_reach)} of those):** " + "; ".join(out_of_reach)
                     + ": the minimal node (`bench/minimal_node.c`, the least a node of this architecture must do)"
                     " misses them too, in the same run with the same tool.")
    if unknown:
        parts.append("Not measured in these results: " + "; ".join(unknown) + ".")
    return " ".join(parts)


analysis_path = os.path.join(bench_dir, "analysis.md")
analysis = open(analysis_path).read().strip() if os.path.exists(analysis_path) else "_No analysis written yet._"

generated = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
table = ["| scenario | metric | Chorus | Nchan | minimal node (C) | Chorus / Nchan | goal | met |",
         "|---|---|---:|---:|---:|---:|---|---|"]
for r in rows:
    table.append("| " + " | ".join(str(x) for x in r) + " |")

last_run = ""
if machine.get("matrixSeconds") is not None:
    scen = " ".join(machine.get("scenarios", []))
    last_run = (f"The last run (`REPEAT={machine.get('repetitions', '?')} SCENARIOS=\"{scen}\"`, started "
                f"{machine.get('runStartedAt', '?')}) took {machine['matrixSeconds'] / 60:.1f} minutes.")

md = f"""# Benchmarks: Chorus and Nchan, side by side

_Generated by `bench/report.py` from `bench/results/*.json` on {generated}. Do not edit by hand:
edit `bench/analysis.md` or the scripts and rerun._

## Reproduce

```sh
bench/run-matrix.sh                    # all scenarios, all systems, 3 repetitions each
REPEAT=5 bench/run-matrix.sh           # more repetitions
SCENARIOS="1 4" bench/run-matrix.sh    # a subset
```

One repetition of all five scenarios for the three systems takes about 7 minutes here (each run starts
and stops its own Redis and nodes), so the default three take about 20.
{last_run}

The script installs what is missing (`nginx`, `libnginx-mod-nchan`, `redis-server` with apt,
`matplotlib` with pip), raises the file-descriptor limit, builds `chorus` and `chorus-bench` in
release (`swift build -c release --scratch-path .build-bench`; or takes prebuilt binaries from
`CHORUS_BIN` and `BENCH_BIN`), then for every run of a scenario starts a fresh `redis-server` and
two nodes on 127.0.0.1, runs the load, and stops exactly the processes it started. It keeps each
repetition's raw JSON (`bench/results/<system>-<scenario>.r<N>.json`), removes the selected
scenarios' results of earlier runs first, and regenerates this page and `bench/latency.png`.

## Method

- **Repetitions**: every scenario runs `REPEAT` times (default 3) per system. Repetitions are the
  outer loop and the systems alternate inside it (repetition 1: Chorus s1, Nchan s1, minimal s1,
  Chorus s2, …; repetition 2: the reverse order), so load from other work on the machine hits all
  alike. Each run gets a fresh Redis and fresh nodes. The table shows the **median** of the
  repetitions and, in parentheses, their **range** (min–max); ratios are of the medians, and the
  goals are checked on the medians. Loss counts every repetition.
- **One load tool for every system**: `chorus-bench` (`Sources/chorus-bench`, `Sources/ChorusBench`),
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
- **The minimal node** (`bench/minimal_node.c`, scenarios 1–4, same topology, same tool, same URLs
  as Nchan's): the least a node of this architecture must do, in C and nothing else. Each node
  keeps one SUBSCRIBE connection on a thread of its own, frames each event once (`id:` and `data:`)
  and hands it to its loops (one per core: epoll, `SO_REUSEPORT`, a scope index per loop, one
  `write` per socket per drain); a publish is one blocking `EVALSHA` from the loop that read it (a
  script that appends the event to a capped Redis stream, which replay on any node needs — Nchan
  keeps its messages in Redis too — and publishes it with its id), answered after Redis's reply.
  No replay endpoint, auth, heartbeats, limits, logs or metrics. Where batching cannot help
  (scenario 3: every subscriber gets one event per drain; scenario 4: a fixed rate) what it reaches
  is the floor for every system on this machine with this tool, and a goal it misses as well is
  marked out of reach. It does not pace itself under overload, so in scenarios 1 and 2 it is no
  ceiling (Chorus's paced loops put many events in one write there).
- **Publishing**: 8 keep-alive connections (4 in scenario 4), one request in flight each, one event
  per request (`POST /publish` JSON for Chorus, `POST /pub/<scope>` raw body for Nchan).
- **Memory**: VmRSS of each node process (nginx: master + workers) before and 5 s after 10,000
  idle subscribers connected, divided by the 5,000 connections of that node ("both nodes": the
  sum of both nodes' growth over all 10,000).
- **Kernel TCP memory** is reported apart, because it is kernel memory (socket buffers) and in no
  process's RSS: the memory charged to the nodes' own stream sockets at the second moment, per
  socket (`ss -tm`: receive queue `r`, send queue `w` and forward-allocated `f`, the accounting
  that the `TCP: mem` pages of `/proc/net/sockstat` add up over all sockets). The sockstat totals
  before and after are kept in the raw results, but every other TCP socket on the machine moves
  them, so the report does not use them. The kernel gives an idle socket's buffers back, so this is
  normally 0 for idle streams. The socket objects themselves (2.3 kB of `TCP` slab per socket here,
  the same for both systems) are in neither number.
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
| load average at the start / end | {machine.get('loadAverage', '?')} / {machine.get('loadAverageAtEnd', '?')} |
| CPU time taken by the host (steal) during the run | {str(machine['stealPercent']) + ' %' if machine.get('stealPercent') is not None else '?'} |

Load tool, nodes and Redis all share the same 2 cores, so every number here includes the
contention between them: they are comparisons on one machine, not capacity figures.

## Results

{goal_summary()}

Each cell is the median of the repetitions, with their range (min–max) in parentheses.

{chr(10).join(table)}

Ratios are Chorus / Nchan of the medians (above 1 is better for deliveries/s, worse for latency,
memory and CPU). "—" means the scenario was not run or did not produce a number. The goals are
issue 14's.

Where the numbers come from:

{provenance()}

![latency by percentile](bench/latency.png)

_Latency by percentile. For each system and scenario the bold line with markers is the repetition
with the median p99 (for an even count, the lower of the two middle ones); the thin lines are the
other repetitions._

## Where Chorus is behind, and why

{analysis}

## Exact command lines

`<chorus URLs>` is `--subscribe-url 'http://127.0.0.1:A/events?scope={{scope}}' --subscribe-url
'http://127.0.0.1:B/events?scope={{scope}}' --publish-url http://127.0.0.1:A/publish --publish-format
chorus-json --publish-header 'Authorization: Bearer <key>'` (the header only when `chorus serve` has
`--publisher-key`); `<nchan URLs>` is `--subscribe-url 'http://127.0.0.1:A/sub/{{scope}}'
--subscribe-url 'http://127.0.0.1:B/sub/{{scope}}' --publish-url 'http://127.0.0.1:A/pub/{{scope}}'
--publish-format raw`; `<minimal URLs>` are the same as Nchan's. Every run adds `--json --no-progress --label <system>-<scenario>`.

```
{commands()}
```
"""
with open(markdown_path, "w") as f:
    f.write(md)
print(f"wrote {markdown_path}" + (f" and {png_path} ({'; '.join(plot_notes)})" if plotted
                                  else " (no plot: no latency data)"))
